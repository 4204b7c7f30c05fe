"""Every error condition, table-driven: the condition name and its parameters, and the session
still working afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from pyspark.errors import AnalysisException

import model_factory
import spark_onnx
from conftest import DIGITS

FLOAT_FEEDS = (
    "float, double, tinyint, smallint, int, array<float> (nested arrays too), array<double> "
    "(nested arrays too), array<tinyint> (nested arrays too), array<smallint> (nested arrays "
    "too), array<int> (nested arrays too), vector"
)

ANALYSIS_ERRORS = [
    (
        "unknown model",
        "SELECT onnx_predict('nope', pixels) FROM digits_test",
        "ONNX_MODEL_NOT_FOUND",
        {"model": "nope"},
    ),
    (
        "wrong number of inputs",
        "SELECT onnx_predict('digits', pixels, pixels) FROM digits_test",
        "ONNX_WRONG_NUM_INPUTS",
        {"model": "digits", "expected": "1", "inputNames": "(pixels)", "actual": "2"},
    ),
    (
        "column type that cannot feed the input",
        "SELECT onnx_predict('digits', CAST(pixels AS ARRAY<STRING>)) AS p FROM digits_test",
        "ONNX_INPUT_TYPE_MISMATCH",
        {
            "model": "digits",
            "input": "pixels",
            # Spark names a cast between array types after its child, and so do we.
            "column": "pixels",
            "columnType": "array<string>",
            "elementType": "float",
            "shape": "[?,64]",
            "supported": FLOAT_FEEDS,
        },
    ),
    (
        "lossy cast bigint to float",
        "SELECT onnx_predict('digits', CAST(pixels AS ARRAY<BIGINT>)) FROM digits_test",
        "ONNX_INPUT_TYPE_MISMATCH",
        {"model": "digits", "columnType": "array<bigint>"},
    ),
    (
        "model name that is not a constant",
        "SELECT onnx_predict(CAST(label AS STRING), pixels) FROM digits_test",
        "ONNX_MODEL_NAME_NOT_CONSTANT",
        {"function": "onnx_predict", "expression": "CAST(label AS STRING)"},
    ),
    (
        "labels from a model that records none",
        "SELECT onnx_top_k(onnx_predict('digits', pixels), 3, 'digits') FROM digits_test",
        "ONNX_MODEL_HAS_NO_LABELS",
        {"model": "digits", "function": "onnx_top_k"},
    ),
]


@pytest.mark.parametrize(
    "query, condition, parameters",
    [case[1:] for case in ANALYSIS_ERRORS],
    ids=[case[0] for case in ANALYSIS_ERRORS],
)
def test_analysis_errors(spark, digits_frame, query, condition, parameters):
    with pytest.raises(AnalysisException) as caught:
        spark.sql(query).collect()
    assert caught.value.getCondition() == condition
    actual = caught.value.getMessageParameters()
    assert {k: actual[k] for k in parameters} == parameters
    assert str(caught.value).startswith(f"[{condition}]")
    assert spark.sql("SELECT count(onnx_predict('digits', pixels)) FROM digits_test").first()[
        0
    ] == len(digits_frame.collect())


def test_unknown_model_lists_the_registered_ones(spark):
    with pytest.raises(AnalysisException) as caught:
        spark.sql("SELECT onnx_predict('nope', array(1.0F))").collect()
    registered = caught.value.getMessageParameters()["registered"].split(", ")
    assert {"digits", "digits_conf"} <= set(registered)


def bad_models(folder):
    random = folder / "random.onnx"
    random.write_bytes(np.random.default_rng(0).bytes(4096))
    truncated = folder / "truncated.onnx"
    truncated.write_bytes(DIGITS.read_bytes()[:20000])
    empty = folder / "empty.onnx"
    empty.write_bytes(b"")
    return {
        "random bytes": (random, "ONNX_INVALID_MODEL"),
        "truncated model": (truncated, "ONNX_INVALID_MODEL"),
        "empty file": (empty, "ONNX_INVALID_MODEL"),
        "invalid graph (unknown operator)": (
            model_factory.unknown_operator(folder),
            "ONNX_INVALID_MODEL",
        ),
        "missing file": (folder / "missing.onnx", "ONNX_MODEL_FILE_NOT_FOUND"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "random bytes",
        "truncated model",
        "empty file",
        "invalid graph (unknown operator)",
        "missing file",
    ],
)
def test_registration_errors_fail_on_the_driver(spark, tmp_path, case):
    path, condition = bad_models(tmp_path)[case]
    with pytest.raises(AnalysisException) as caught:
        spark_onnx.register(spark, "bad", path)
    assert caught.value.getCondition() == condition
    parameters = caught.value.getMessageParameters()
    assert parameters["model"] == "bad"
    assert parameters.get("path", parameters.get("source")) == str(path)
    assert "bad" not in spark_onnx.registered(spark)


def test_runtime_shape_error_names_model_input_and_column(spark):
    with pytest.raises(Exception) as caught:
        spark.sql(
            "SELECT onnx_predict('digits', p) FROM VALUES (array_repeat(1.0F, 63)) AS t(p)"
        ).collect()
    message = str(caught.value)
    assert "ONNX_INPUT_SHAPE_MISMATCH" in message
    assert (
        "Input 'pixels' of ONNX model 'digits' (shape [?,64]) takes 64 elements per row" in message
    )
    assert "column 'p' holds 63 elements" in message
