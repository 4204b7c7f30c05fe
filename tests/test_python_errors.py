"""JVM error conditions surface as spark_onnx.errors classes that are also PySpark's."""

from __future__ import annotations

import pytest
from pyspark.errors import AnalysisException, SparkRuntimeException

import spark_onnx
from spark_onnx import errors

CASES = [
    ("SELECT onnx_predict('nope', array(1.0F))", errors.ModelNotFound, AnalysisException),
    (
        "SELECT onnx_predict('digits', array(1.0F), array(1.0F))",
        errors.InputMismatch,
        AnalysisException,
    ),
    ("SELECT onnx_predict('digits', array('a'))", errors.InputMismatch, AnalysisException),
    (
        "SELECT onnx_predict('digits', array(1.0F), map('outputs', 'nope'))",
        errors.UnknownOutput,
        AnalysisException,
    ),
    (
        "SELECT onnx_predict('digits', array(1.0F), map('batchSize', '-1'))",
        errors.InvalidOption,
        AnalysisException,
    ),
    (
        "SELECT onnx_predict('digits', array_repeat(CAST(id AS FLOAT), 3)) FROM range(2)",
        errors.InputShapeMismatch,
        SparkRuntimeException,
    ),
]


@pytest.mark.parametrize("query, typed, pyspark_class", CASES)
def test_typed_exceptions(spark, query, typed, pyspark_class):
    with pytest.raises(typed) as caught:
        spark.sql(query).collect()
    assert isinstance(caught.value, pyspark_class)
    assert isinstance(caught.value, errors.SparkOnnxError)
    condition = caught.value.getCondition()
    assert errors.CONDITIONS[condition] is typed
    parameters = caught.value.getMessageParameters()
    assert parameters.get("model", parameters.get("function")) in ("nope", "digits", "onnx_predict")
    assert caught.value.getMessage().startswith(f"[{condition}]")


def test_registration_errors_are_typed(spark, tmp_path):
    with pytest.raises(errors.ModelFileNotFound):
        spark_onnx.register(spark, "gone", tmp_path / "gone.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00" * 64)
    with pytest.raises(errors.InvalidModel):
        spark_onnx.register(spark, "broken", broken)


def test_every_condition_has_a_class():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    conditions = json.loads(
        (root / "jvm/src/main/resources/sparkonnx/error-conditions.json").read_text()
    )
    assert set(conditions) <= set(errors.CONDITIONS)


def test_the_raw_jvm_error_guard_tells_raw_errors_from_conditions():
    from conftest import raw_jvm_error

    raw = RuntimeError("An error occurred: java.lang.NumberFormatException: For input string")
    assert "java.lang.NumberFormatException" in raw_jvm_error(raw)
    assert "java.lang.OutOfMemoryError" in raw_jvm_error(RuntimeError("java.lang.OutOfMemoryError"))
    clean = RuntimeError("[ONNX_INVALID_SETTING] spark.onnx.batchSize must be an integer")
    assert raw_jvm_error(clean) is None
