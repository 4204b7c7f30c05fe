"""The columnar input path from Python: Parquet files written by pyarrow (as another tool writes
them: fixed-size lists) and by Spark, scored through SQL and the DataFrame API with the column
batches read in place, against onnxruntime and against the path through rows
(spark.onnx.columnarInput=false). Also on local-cluster in bin/test."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spark_onnx.functions import onnx_predict


@pytest.fixture(scope="module")
def pyarrow_file(tmp_path_factory, digits_test):
    x, y = digits_test
    path = tmp_path_factory.mktemp("columnar") / "digits.parquet"
    pixels = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), x.shape[1])
    table = pa.table({"id": np.arange(len(x)), "label": y.astype(np.int32), "pixels": pixels})
    # Row groups of 100 rows: several tasks, and batches of runs that straddle them.
    pq.write_table(table, path, row_group_size=100)
    return str(path)


def plan_of(frame) -> str:
    return frame._jdf.queryExecution().executedPlan().toString()


@pytest.mark.parametrize("columnar", [True, False], ids=["column batches", "through rows"])
def test_pyarrow_parquet_scores_like_onnxruntime(spark, pyarrow_file, digits_direct, columnar):
    spark.conf.set("spark.onnx.columnarInput", str(columnar).lower())
    try:
        spark.read.parquet(pyarrow_file).createOrReplaceTempView("digits_parquet")
        frame = spark.sql(
            "SELECT id, label, onnx_predict('digits', pixels) AS p FROM digits_parquet"
        )
        rows = sorted(frame.collect(), key=lambda r: r.id)
        assert ("columnar input" in plan_of(frame)) == columnar
    finally:
        spark.conf.unset("spark.onnx.columnarInput")
    assert [r.id for r in rows] == list(range(len(digits_direct)))
    np.testing.assert_array_equal(np.array([r.p for r in rows], np.float32), digits_direct)


def test_spark_parquet_in_an_aggregate(spark, tmp_path, digits_frame, digits_test, digits_direct):
    path = str(tmp_path / "digits")
    digits_frame.write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("digits_spark_parquet")
    frame = spark.sql(
        """SELECT label, avg(array_max(onnx_predict('digits', pixels))) AS top
           FROM digits_spark_parquet GROUP BY label"""
    )
    by_label = {r.label: r.top for r in frame.collect()}
    assert "columnar input" in plan_of(frame)
    _, y = digits_test
    want = {int(k): float(digits_direct[y == k].max(axis=1).mean()) for k in np.unique(y)}
    assert by_label.keys() == want.keys()
    for label, value in want.items():
        assert by_label[label] == pytest.approx(value, rel=1e-5)


def test_dataframe_api_over_parquet(spark, pyarrow_file, digits_direct):
    frame = spark.read.parquet(pyarrow_file).select(
        "id", onnx_predict("digits", "pixels").alias("p")
    )
    assert "columnar input" in plan_of(frame)
    rows = sorted(frame.collect(), key=lambda r: r.id)
    np.testing.assert_array_equal(np.array([r.p for r in rows], np.float32), digits_direct)
