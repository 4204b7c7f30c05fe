"""The bad-input table: one row per case, each with the exact error condition it gives (and
null from try_onnx_predict where a row-level failure can be skipped). After every case the
session still answers and no row is lost."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

import model_factory
import spark_onnx
from conftest import DIGITS
from spark_onnx import errors

GOOD = "array_repeat(CAST(1.0 AS FLOAT), 64)"

# (case, expression for the bad row, condition, whether try_onnx_predict nulls it)
ROW_CASES = [
    (
        "wrong static dim (63 of 64)",
        "array_repeat(CAST(1.0 AS FLOAT), 63)",
        "ONNX_INPUT_SHAPE_MISMATCH",
        True,
    ),
    (
        "wrong rank (2x3 nested)",
        "array(array(1.0F, 2.0F, 3.0F), array(4.0F, 5.0F, 6.0F))",
        "ONNX_INPUT_SHAPE_MISMATCH",
        True,
    ),
    ("empty array", "CAST(array() AS ARRAY<FLOAT>)", "ONNX_INPUT_SHAPE_MISMATCH", True),
    (
        "null inside the array",
        "array_append(array_repeat(CAST(1.0 AS FLOAT), 63), CAST(NULL AS FLOAT))",
        "ONNX_NULL_IN_ARRAY",
        True,
    ),
    (
        "ragged nested rows",
        "array(array_repeat(1.0F, 40), array_repeat(1.0F, 23))",
        "ONNX_INPUT_SHAPE_MISMATCH",
        True,
    ),
]


@pytest.mark.parametrize(
    "bad, condition, nullable", [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES]
)
def test_row_level_bad_input(spark, bad, condition, nullable):
    nested = bad.startswith("array(array")
    good = "array(array_repeat(1.0F, 32), array_repeat(1.0F, 32))" if nested else GOOD
    rows = spark.sql(
        f"SELECT 1 AS id, {good} AS p UNION ALL SELECT 2, {bad} UNION ALL SELECT 3, {good}"
    )
    rows = rows.repartition(1)
    with pytest.raises(spark_onnx.errors.SparkOnnxError) as caught:
        rows.selectExpr("onnx_predict('digits', p)").collect()
    assert caught.value.getCondition() == condition
    assert caught.value.getMessageParameters()["model"] == "digits"
    tried = rows.selectExpr("id", "try_onnx_predict('digits', p) AS out").orderBy("id").collect()
    assert [r.id for r in tried] == [1, 2, 3]
    assert (tried[1].out is None) == nullable
    assert tried[0].out is not None and tried[2].out is not None
    assert spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[0] == 10


def test_null_rows_give_null_and_nan_passes_through(spark):
    rows = spark.sql(
        f"SELECT 1 AS id, {GOOD} AS p UNION ALL SELECT 2, CAST(NULL AS ARRAY<FLOAT>) "
        "UNION ALL SELECT 3, array_repeat(CAST('NaN' AS FLOAT), 64) "
        "UNION ALL SELECT 4, array_repeat(CAST('Infinity' AS FLOAT), 64)"
    )
    out = rows.selectExpr("id", "onnx_predict('digits', p) AS out").orderBy("id").collect()
    assert [r.id for r in out] == [1, 2, 3, 4]
    assert out[1].out is None
    session = ort.InferenceSession(str(DIGITS))
    for row, value in ((out[2], np.nan), (out[3], np.inf)):
        expected = session.run(None, {"pixels": np.full((1, 64), value, dtype=np.float32)})[0][0]
        np.testing.assert_array_equal(np.array(row.out, dtype=np.float32), expected)


ANALYSIS_CASES = [
    (
        "strings where numbers are expected",
        "onnx_predict('digits', array('1'))",
        errors.InputMismatch,
    ),
    (
        "a column of the wrong Spark type",
        "onnx_predict('digits', map('a', 1.0F))",
        errors.InputMismatch,
    ),
    ("unknown model", f"onnx_predict('no_such_model', {GOOD})", errors.ModelNotFound),
    ("wrong arity", f"onnx_predict('digits', {GOOD}, {GOOD})", errors.InputMismatch),
    (
        "zero batch size",
        f"onnx_predict('digits', {GOOD}, map('batchSize', '0'))",
        errors.InvalidOption,
    ),
    (
        "huge batch size",
        f"onnx_predict('digits', {GOOD}, map('batchSize', '2000000'))",
        errors.InvalidOption,
    ),
]


@pytest.mark.parametrize(
    "expression, error", [c[1:] for c in ANALYSIS_CASES], ids=[c[0] for c in ANALYSIS_CASES]
)
def test_analysis_time_bad_input(spark, expression, error):
    with pytest.raises(error):
        spark.sql(f"SELECT {expression}").collect()
    assert spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[0] == 10


def test_duplicate_registration(spark, tmp_path):
    spark_onnx.register(spark, "dup", DIGITS)
    spark_onnx.register(spark, "dup", DIGITS)  # the same model again: harmless
    other = model_factory.two_inputs(tmp_path)
    with pytest.raises(errors.ModelAlreadyRegistered) as caught:
        spark_onnx.register(spark, "dup", other)
    assert caught.value.getMessageParameters()["model"] == "dup"
    assert spark_onnx.describe(spark, "dup").inputs[0].name == "pixels"
    spark_onnx.register(spark, "dup", other, replace=True)
    assert [i.name for i in spark_onnx.describe(spark, "dup").inputs] == ["a", "b"]
    spark_onnx.unregister(spark, "dup")


def test_a_model_whose_opset_onnxruntime_does_not_support(spark, tmp_path):
    with pytest.raises(errors.InvalidModel) as caught:
        spark_onnx.register(spark, "future", model_factory.future_opset(tmp_path))
    assert "opset" in caught.value.getMessageParameters()["reason"].lower()
