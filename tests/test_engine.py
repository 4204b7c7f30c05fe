"""The batched engine from Python: batch-size invariance, positions, try_onnx_predict, options,
fixed-batch models. Expected values: onnxruntime run directly."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

import model_factory
import spark_onnx
from spark_onnx.functions import onnx_predict, try_onnx_predict


def by_id(rows, column="p"):
    return np.array([r[column] for r in sorted(rows, key=lambda r: r.id)], dtype=np.float32)


@pytest.mark.parametrize("batch_size", [1, 7, 1024])
def test_any_batch_size_gives_the_same_bits(digits_frame, digits_direct, batch_size):
    scored = digits_frame.select(
        "id", onnx_predict("digits", "pixels", batch_size=batch_size).alias("p")
    )
    np.testing.assert_array_equal(by_id(scored.collect()), digits_direct)


def test_explain_shows_the_batched_operator(digits_frame):
    plan = digits_frame.select(
        onnx_predict("digits", "pixels", batch_size=64)
    )._jdf.queryExecution()
    assert "OnnxEval [onnx_predict(digits, batchSize=64)]" in plan.toString()


POSITIONS = {
    "select": ("SELECT id, array_max(onnx_predict('digits', pixels)) AS v FROM digits_test", "max"),
    "where": (
        "SELECT id, 1.0 AS v FROM digits_test WHERE array_max(onnx_predict('digits', pixels)) > 0.9",
        "confident",
    ),
    "order by": (
        "SELECT id, 0.0 AS v FROM digits_test ORDER BY array_max(onnx_predict('digits', pixels)), id",
        "order",
    ),
    "case when": (
        (
            "SELECT id, CASE WHEN label >= 0 THEN array_max(onnx_predict('digits', pixels)) END"
            " AS v FROM digits_test"
        ),
        "max",
    ),
}


@pytest.mark.parametrize("query, expect", POSITIONS.values(), ids=POSITIONS.keys())
def test_positions(spark, digits_frame, digits_direct, query, expect):
    rows = spark.sql(query).collect()
    best = digits_direct.max(axis=1)
    if expect == "max":
        np.testing.assert_array_equal(by_id(rows, "v"), best)
    elif expect == "confident":
        assert sorted(r.id for r in rows) == [i for i in range(len(best)) if best[i] > 0.9]
    else:
        assert [r.id for r in rows] == sorted(range(len(best)), key=lambda i: (best[i], i))


def test_try_onnx_predict_nulls_bad_rows_only(spark, digits_test, digits_direct):
    x = digits_test[0]
    rows = [(0, x[0].tolist()), (1, x[1][:63].tolist()), (2, None), (3, x[3].tolist())]
    frame = spark.createDataFrame(rows, "id INT, pixels ARRAY<FLOAT>").coalesce(1)
    result = (
        frame.select("id", try_onnx_predict("digits", "pixels").alias("p")).orderBy("id").collect()
    )
    assert [r.id for r in result] == [0, 1, 2, 3]
    assert result[1].p is None and result[2].p is None
    np.testing.assert_array_equal(np.array(result[0].p, dtype=np.float32), digits_direct[0])
    np.testing.assert_array_equal(np.array(result[3].p, dtype=np.float32), digits_direct[3])


def test_fetch_named_outputs_only(spark, tmp_path):
    spark_onnx.register(spark, "two_outputs", model_factory.two_outputs(tmp_path))
    x = np.random.default_rng(2).normal(size=(6, 4))
    frame = spark.createDataFrame([(i, x[i].tolist()) for i in range(6)], "id INT, x ARRAY<DOUBLE>")
    rows = frame.select(
        "id", onnx_predict("two_outputs", "x", outputs=["total"]).alias("t")
    ).collect()
    session = ort.InferenceSession(str(tmp_path / "two_outputs.onnx"))
    (total,) = session.run(["total"], {"x": x})
    np.testing.assert_array_equal([r.t for r in sorted(rows, key=lambda r: r.id)], total)


def test_model_with_a_fixed_batch_of_one_runs_row_by_row(spark, tmp_path):
    spark_onnx.register(spark, "fixed", model_factory.fixed_batch_of_one(tmp_path))
    x = np.arange(40, dtype=np.float32).reshape(10, 4)
    frame = spark.createDataFrame([(i, x[i].tolist()) for i in range(10)], "id INT, x ARRAY<FLOAT>")
    scored = frame.select("id", onnx_predict("fixed", "x").alias("p"))
    assert "batchSize=1" in scored._jdf.queryExecution().toString()
    session = ort.InferenceSession(str(tmp_path / "fixed_batch_of_one.onnx"))
    expected = np.concatenate([session.run(None, {"x": x[i : i + 1]})[0] for i in range(10)])
    np.testing.assert_array_equal(by_id(scored.collect()), expected)
