"""onnx_predict from SQL and the Python DataFrame API, compared with ONNX Runtime run directly."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DoubleType, FloatType, StructField, StructType

import model_factory
import spark_onnx
from conftest import DIGITS
from spark_onnx.functions import onnx_predict


def probabilities(rows, column="p") -> np.ndarray:
    return np.array([row[column] for row in sorted(rows, key=lambda r: r.id)], dtype=np.float32)


QUERIES = {
    "registered from Python": "SELECT id, onnx_predict('digits', pixels) AS p FROM digits_test",
    "registered by session configuration": (
        "SELECT id, onnx_predict('digits_conf', pixels) AS p FROM digits_test"
    ),
    "array<double> input": (
        "SELECT id, onnx_predict('digits', CAST(pixels AS ARRAY<DOUBLE>)) AS p FROM digits_test"
    ),
    "inside other expressions": (
        "SELECT id, transform(onnx_predict('digits', pixels), x -> x * 1.0F) AS p FROM digits_test"
    ),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_sql_matches_onnxruntime(spark, digits_frame, digits_direct, query):
    rows = spark.sql(query).collect()
    assert len(rows) == len(digits_direct)
    np.testing.assert_array_equal(probabilities(rows), digits_direct)


def test_result_type_comes_from_the_signature(spark, digits_frame):
    schema = spark.sql("SELECT onnx_predict('digits', pixels) AS p FROM digits_test").schema
    assert schema == StructType([StructField("p", ArrayType(FloatType(), False), True)])


def test_dataframe_function_by_name_and_by_column(digits_frame, digits_direct):
    by_name = digits_frame.select("id", onnx_predict("digits", "pixels").alias("p")).collect()
    by_column = digits_frame.select("id", onnx_predict("digits", F.col("pixels")).alias("p"))
    np.testing.assert_array_equal(probabilities(by_name), digits_direct)
    np.testing.assert_array_equal(probabilities(by_column.collect()), digits_direct)


def test_accuracy_in_sql_equals_onnxruntime(spark, digits_frame, digits_test, digits_direct):
    accuracy = (
        spark.sql(
            """SELECT avg(CAST(array_position(p, array_max(p)) - 1 = label AS DOUBLE)) AS accuracy
           FROM (SELECT label, onnx_predict('digits', pixels) AS p FROM digits_test)"""
        )
        .first()
        .accuracy
    )
    assert accuracy == pytest.approx(np.mean(digits_direct.argmax(axis=1) == digits_test[1]))
    assert accuracy > 0.9


def test_null_rows_give_null_and_no_row_is_lost(spark, digits_test, digits_direct):
    x = digits_test[0]
    rows = [(0, x[0].tolist()), (1, None), (2, x[2].tolist()), (3, None)]
    frame = spark.createDataFrame(rows, "id INT, pixels ARRAY<FLOAT>")
    result = frame.select("id", onnx_predict("digits", "pixels").alias("p")).orderBy("id").collect()
    assert [r.id for r in result] == [0, 1, 2, 3]
    assert result[1].p is None and result[3].p is None
    np.testing.assert_array_equal(np.array(result[0].p, dtype=np.float32), digits_direct[0])
    np.testing.assert_array_equal(np.array(result[2].p, dtype=np.float32), digits_direct[2])


def test_register_bytes_list_and_unregister(spark, digits_frame, digits_direct):
    spark_onnx.register(spark, "digits_bytes", DIGITS.read_bytes())
    assert {"digits", "digits_conf", "digits_bytes"} <= set(spark_onnx.registered(spark))
    rows = spark.sql("SELECT id, onnx_predict('digits_bytes', pixels) AS p FROM digits_test")
    np.testing.assert_array_equal(probabilities(rows.collect()), digits_direct)
    assert spark_onnx.unregister(spark, "digits_bytes") is True
    assert "digits_bytes" not in spark_onnx.registered(spark)
    assert spark_onnx.unregister(spark, "digits_bytes") is False


def direct(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def test_two_inputs_in_model_order(spark, tmp_path):
    spark_onnx.register(spark, "two_inputs", model_factory.two_inputs(tmp_path))
    a = np.arange(30, dtype=np.float32).reshape(10, 3) / 7
    b = np.linspace(-1, 1, 30, dtype=np.float32).reshape(10, 3)
    frame = spark.createDataFrame(
        [(i, a[i].tolist(), b[i].tolist()) for i in range(10)],
        "id INT, a ARRAY<FLOAT>, b ARRAY<FLOAT>",
    )
    rows = frame.select("id", onnx_predict("two_inputs", "a", "b").alias("p")).collect()
    np.testing.assert_array_equal(
        probabilities(rows), direct(tmp_path / "two_inputs.onnx", {"a": a, "b": b})[0]
    )


def test_several_outputs_become_a_struct(spark, tmp_path):
    spark_onnx.register(spark, "two_outputs", model_factory.two_outputs(tmp_path))
    x = np.random.default_rng(1).normal(size=(12, 4))
    frame = spark.createDataFrame(
        [(i, x[i].tolist()) for i in range(12)], "id INT, x ARRAY<DOUBLE>"
    )
    result = frame.select("id", onnx_predict("two_outputs", "x").alias("out"))
    assert result.schema["out"].dataType == StructType(
        [
            StructField("total", DoubleType(), False),
            StructField("doubled", ArrayType(DoubleType(), False), False),
        ]
    )
    total, doubled = direct(tmp_path / "two_outputs.onnx", {"x": x})
    rows = sorted(result.collect(), key=lambda r: r.id)
    np.testing.assert_array_equal([r.out.total for r in rows], total)
    np.testing.assert_array_equal([r.out.doubled for r in rows], doubled)


@pytest.mark.parametrize("column_type", ["BIGINT", "INT", "SMALLINT"])
def test_scalar_columns_feed_a_1d_input(spark, tmp_path, column_type):
    spark_onnx.register(spark, "scalar_long", model_factory.scalar_long(tmp_path))
    values = [-5, 0, 7, 1000]
    frame = spark.createDataFrame(
        [(i, v) for i, v in enumerate(values)], f"id INT, x {column_type}"
    )
    rows = frame.select("id", onnx_predict("scalar_long", "x").alias("y")).orderBy("id").collect()
    expected = direct(tmp_path / "scalar_long.onnx", {"x": np.array(values, dtype=np.int64)})[0]
    assert [r.y for r in rows] == expected.tolist()


def test_flat_and_nested_arrays_reshape_into_static_dims(spark, tmp_path):
    spark_onnx.register(spark, "image_like", model_factory.image_like(tmp_path))
    x = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
    frame = spark.createDataFrame(
        [(i, x[i].ravel().tolist(), x[i].tolist()) for i in range(4)],
        "id INT, flat ARRAY<FLOAT>, nested ARRAY<ARRAY<FLOAT>>",
    )
    expected = direct(tmp_path / "image_like.onnx", {"x": x})[0]
    for column in ("flat", "nested"):
        rows = frame.select("id", onnx_predict("image_like", column).alias("y")).orderBy("id")
        np.testing.assert_array_equal(np.array([r.y for r in rows.collect()]), expected)


def test_explain_names_the_model(spark, digits_frame):
    plan = digits_frame.select(onnx_predict("digits", "pixels"))._jdf.queryExecution().toString()
    assert "onnx_predict(digits, pixels" in plan


def test_registered_defaults_and_a_per_model_sql_function(spark, digits_frame, digits_direct):
    spark_onnx.register(spark, "digits_fn", DIGITS, batch_size=16, as_function=True)
    scored = spark.sql("SELECT id, digits_fn(pixels) AS p FROM digits_test")
    assert "onnx_predict(digits_fn, batchSize=16)" in scored._jdf.queryExecution().toString()
    np.testing.assert_array_equal(probabilities(scored.collect()), digits_direct)
    # A call's own options win over the registered ones.
    own = spark.sql(
        "SELECT onnx_predict('digits_fn', pixels, map('batchSize', '5')) FROM digits_test"
    )
    assert "batchSize=5" in own._jdf.queryExecution().toString()
    assert spark_onnx.unregister(spark, "digits_fn")
    with pytest.raises(Exception, match="digits_fn"):
        spark.sql("SELECT digits_fn(pixels) FROM digits_test").collect()


def test_a_builtin_name_cannot_become_a_model_function(spark):
    with pytest.raises(Exception, match="built-in 'abs'"):
        spark_onnx.register(spark, "abs", DIGITS, as_function=True)
