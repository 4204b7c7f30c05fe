"""Structured streaming through onnx_predict (examples/streaming.py): files arriving in two
batches are each scored once, every row equal to ONNX Runtime's answer; and a rate source
scored continuously into a memory sink."""

from __future__ import annotations

import sys
import time

import numpy as np

from conftest import ROOT

sys.path.insert(0, str(ROOT / "examples"))
import streaming


def test_arriving_files_are_scored_once_each(spark, digits_test, digits_direct, tmp_path):
    pixels = digits_test[0]
    incoming, table, checkpoint = tmp_path / "in", tmp_path / "table", tmp_path / "checkpoint"
    incoming.mkdir()
    first, second = range(100), range(100, 250)
    streaming.write_arrival(incoming, "a", [(i, pixels[i].tolist()) for i in first])
    streaming.score_new_files(spark, str(incoming), str(table), str(checkpoint)).awaitTermination()
    assert spark.read.parquet(str(table)).count() == len(first)

    streaming.write_arrival(incoming, "b", [(i, pixels[i].tolist()) for i in second])
    query = streaming.score_new_files(spark, str(incoming), str(table), str(checkpoint))
    query.awaitTermination()
    assert query.lastProgress["numInputRows"] == len(second)  # only the new file's rows

    rows = spark.read.parquet(str(table)).collect()
    assert sorted(r.id for r in rows) == list(range(250))
    for r in rows:
        np.testing.assert_allclose(r.probabilities, digits_direct[r.id], atol=1e-6)
        assert r.digit == int(np.argmax(digits_direct[r.id]))


def test_a_rate_source_is_scored_continuously(spark):
    import onnxruntime as ort

    # Each tick's value becomes 64 pixels; the stream runs until it has scored 20 rows.
    stream = spark.readStream.format("rate").option("rowsPerSecond", 20).load()
    scored = stream.selectExpr(
        "value",
        "onnx_predict('digits', transform(sequence(0, 63), i -> CAST((value + i) % 17 AS FLOAT)))"
        " AS p",
    )
    query = scored.writeStream.format("memory").queryName("rate_scored").start()
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if spark.sql("SELECT count(*) AS n FROM rate_scored").first().n >= 20:
                break
            time.sleep(0.5)
    finally:
        query.stop()
    rows = spark.sql("SELECT value, p FROM rate_scored").collect()
    assert len(rows) >= 20
    session = ort.InferenceSession(str(ROOT / "models" / "digits.onnx"))
    x = np.array([[(r.value + i) % 17 for i in range(64)] for r in rows], dtype=np.float32)
    np.testing.assert_allclose([r.p for r in rows], session.run(None, {"pixels": x})[0], atol=1e-6)
