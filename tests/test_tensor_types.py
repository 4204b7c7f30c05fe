"""Every element type and column kind the engine converts, against ONNX Runtime run directly.

float16/bfloat16 inputs and outputs, uint8 from binary and from checked integers, ML vectors,
several inputs fed by one struct column, ZipMap's seq(map) outputs; then the types refused.
The models are models/testing/*.onnx, built by models/build_test_models.py.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto
from pyspark.errors import AnalysisException
from pyspark.ml.linalg import Vectors
from pyspark.sql import functions as F
from pyspark.sql.types import FloatType, LongType, MapType, StringType, StructField, StructType

import spark_onnx
from conftest import MODELS
from spark_onnx.functions import onnx_predict

TESTING = MODELS / "testing"


@pytest.fixture(scope="module", autouse=True)
def test_models(spark):
    for path in sorted(TESTING.glob("*.onnx")):
        spark_onnx.register(spark, path.stem, path)


def direct(model: str, feeds: dict, outputs: list[str] | None = None) -> dict:
    """The model run directly in onnxruntime: output name -> value."""
    session = ort.InferenceSession(
        str(TESTING / f"{model}.onnx"), providers=["CPUExecutionProvider"]
    )
    names = outputs or [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def scored(spark, model: str, column_type: str, rows: list):
    """onnx_predict(model, x) per row, in row order."""
    frame = spark.createDataFrame(list(enumerate(rows)), f"id INT, x {column_type}")
    result = frame.select("id", onnx_predict(model, "x").alias("out")).orderBy("id").collect()
    return [r.out for r in result]


# Doubles where float16 rounding is delicate: ties, subnormals, overflow, and one value that
# rounds wrongly if converted through float first (1 + 2^-11 + 2^-40).
DOUBLES = np.array(
    [
        [1.0, -0.0, 1 / 3, 65504.0],
        [65520.0, 2.0**-25, 3 * 2.0**-26, -2.5],
        [np.nan, -np.inf, 1 + 2.0**-11, 1 + 2.0**-11 + 2.0**-40],
        [1 + 3 * 2.0**-11, 1e-10, 6e-8, 70000.0],
    ]
)
FLOATS = DOUBLES.astype(np.float32)
# Overflow to infinity is one of the cases, not an accident.
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")


def bfloat16_feed(values: np.ndarray) -> ort.OrtValue:
    bits = values.astype(ml_dtypes.bfloat16).view(np.uint16)
    return ort.OrtValue.ortvalue_from_numpy_with_onnx_type(bits, TensorProto.BFLOAT16)


HALF_CASES = {
    "float16 from array<double>": (
        "identity_float16",
        "ARRAY<DOUBLE>",
        DOUBLES,
        lambda: direct("identity_float16", {"x": DOUBLES.astype(np.float16)}),
    ),
    "float16 from array<float>": (
        "identity_float16",
        "ARRAY<FLOAT>",
        FLOATS,
        lambda: direct("identity_float16", {"x": FLOATS.astype(np.float16)}),
    ),
    # ml_dtypes rounds float32 to bfloat16 exactly; from float64 it goes through float32.
    "bfloat16 from array<float>": (
        "identity_bfloat16",
        "ARRAY<FLOAT>",
        FLOATS,
        # numpy has no bfloat16 to hand y back in; y is x, and as_float is x exactly.
        lambda: {
            "y": None,
            **direct("identity_bfloat16", {"x": bfloat16_feed(FLOATS)}, ["as_float"]),
        },
    ),
}


@pytest.mark.parametrize("case", HALF_CASES.values(), ids=HALF_CASES.keys())
def test_half_precision_inputs_and_outputs(spark, case):
    model, column_type, values, expected = case
    out = scored(spark, model, column_type, values.tolist())
    want = expected()
    # Identity: y is the input tensor as ORT received it; Cast to float is exact for both.
    want_y = want["y"] if want["y"] is not None else want["as_float"]
    np.testing.assert_array_equal(
        np.array([r.y for r in out], np.float32), want_y.astype(np.float32)
    )
    np.testing.assert_array_equal(np.array([r.as_float for r in out], np.float32), want["as_float"])


def test_float16_output_becomes_float(spark):
    out = scored(spark, "cast_float16", "ARRAY<FLOAT>", FLOATS[:, :3].tolist())
    expected = direct("cast_float16", {"x": FLOATS[:, :3]})["y"]
    np.testing.assert_array_equal(np.array(out, np.float32), expected.astype(np.float32))


BYTES = np.array([[0, 1, 127, 128, 255, 42], [9, 8, 7, 6, 5, 4]], dtype=np.uint8)

UINT8_CASES = {
    "binary": ("BINARY", [bytes(row) for row in BYTES]),
    "array<int>": ("ARRAY<INT>", BYTES.astype(int).tolist()),
    "array<smallint>": ("ARRAY<SMALLINT>", BYTES.astype(int).tolist()),
    "array<array<int>>": ("ARRAY<ARRAY<INT>>", BYTES.reshape(2, 2, 3).astype(int).tolist()),
}


@pytest.mark.parametrize("case", UINT8_CASES.values(), ids=UINT8_CASES.keys())
def test_uint8_inputs(spark, case):
    column_type, rows = case
    out = scored(spark, "identity_uint8", column_type, rows)
    expected = direct("identity_uint8", {"x": BYTES.reshape(2, 2, 3)})
    np.testing.assert_array_equal(np.array([r.y for r in out]), expected["y"])
    np.testing.assert_array_equal(np.array([r.as_float for r in out]), expected["as_float"])


def test_uint8_from_tinyint_below_128(spark):
    rows = [[0, 1, 2, 3, 4, 127]]
    out = scored(spark, "identity_uint8", "ARRAY<TINYINT>", rows)
    expected = direct("identity_uint8", {"x": np.array(rows, np.uint8).reshape(1, 2, 3)})["y"]
    np.testing.assert_array_equal(np.array([r.y for r in out]), expected)


VECTORS = [
    Vectors.dense([1.5, -2.0, 0.0, 3.25, 1e10]),
    Vectors.sparse(5, [1, 4], [7.0, -0.125]),
    Vectors.sparse(5, [], []),
]


@pytest.mark.parametrize(
    "model, dtype", [("identity_double", np.float64), ("identity_float", np.float32)]
)
def test_ml_vectors_dense_and_sparse(spark, model, dtype):
    frame = spark.createDataFrame([(i, v) for i, v in enumerate(VECTORS)], ["id", "x"])
    out = frame.select("id", onnx_predict(model, "x").alias("out")).orderBy("id").collect()
    dense = np.array([v.toArray() for v in VECTORS], dtype=dtype)
    expected = direct(model, {"x": dense})
    np.testing.assert_array_equal(np.array([r.out.y for r in out], dtype), expected["y"])


WEIGHTED = [(1.0, 2.0, 3.0), (0.5, -1.0, 0.25), (-4.0, 0.0, 8.0)]

STRUCT_CALLS = {
    "struct in another order": lambda: onnx_predict("weighted_sum", F.struct("c", "a", "b")),
    "named_struct in SQL": lambda: F.expr(
        "onnx_predict('weighted_sum', named_struct('b', b, 'c', c, 'a', a))"
    ),
    "struct and options": lambda: F.expr(
        "onnx_predict('weighted_sum', struct(b, a, c), map('batchSize', '2'))"
    ),
    "positional arguments": lambda: onnx_predict("weighted_sum", "a", "b", "c"),
}


@pytest.mark.parametrize("call", STRUCT_CALLS.values(), ids=STRUCT_CALLS.keys())
def test_several_inputs_from_one_struct_by_field_name(spark, call):
    frame = spark.createDataFrame(
        [(i, *row) for i, row in enumerate(WEIGHTED)], "id INT, a FLOAT, b FLOAT, c FLOAT"
    )
    out = [r.y for r in frame.select("id", call().alias("y")).orderBy("id").collect()]
    columns = np.array(WEIGHTED, np.float32).T
    expected = direct("weighted_sum", dict(zip("abc", columns)))["y"]
    np.testing.assert_array_equal(np.array(out, np.float32), expected)


@pytest.mark.parametrize(
    "model, key_type", [("zipmap_int64", LongType()), ("zipmap_string", StringType())]
)
def test_zipmap_outputs_become_maps(spark, model, key_type):
    logits = np.array([[0.5, 2.0, -1.0], [3.0, 0.0, 0.0], [-1.0, -1.0, 4.0]], np.float32)
    frame = spark.createDataFrame(list(enumerate(logits.tolist())), "id INT, x ARRAY<FLOAT>")
    result = frame.select("id", onnx_predict(model, "x").alias("out")).orderBy("id")
    assert result.schema["out"].dataType == StructType(
        [
            StructField("label", LongType(), False),
            StructField("probabilities", MapType(key_type, FloatType(), False), False),
        ]
    )
    expected = direct(model, {"x": logits})
    rows = [r.out for r in result.collect()]
    assert [r.label for r in rows] == expected["label"].tolist()
    for row, want in zip(rows, expected["probabilities"]):
        assert row.probabilities.keys() == want.keys()
        np.testing.assert_array_equal(
            np.array([row.probabilities[k] for k in want], np.float32),
            np.array(list(want.values()), np.float32),
        )


REFUSED = [
    (
        "binary into a float input",
        "SELECT onnx_predict('identity_float', X'0102')",
        "ONNX_INPUT_TYPE_MISMATCH",
        {"model": "identity_float", "columnType": "binary", "elementType": "float"},
    ),
    (
        "bigint into uint8",
        "SELECT onnx_predict('identity_uint8', array(1L))",
        "ONNX_INPUT_TYPE_MISMATCH",
        {"columnType": "array<bigint>", "elementType": "uint8"},
    ),
    (
        "int into float16",
        "SELECT onnx_predict('identity_float16', array(1))",
        "ONNX_INPUT_TYPE_MISMATCH",
        {"columnType": "array<int>", "elementType": "float16"},
    ),
    (
        "uint16 input",
        "SELECT onnx_predict('identity_uint16', array(1))",
        "ONNX_UNSUPPORTED_TENSOR_TYPE",
        {"role": "input", "tensor": "x", "tensorType": "uint16[?,2]"},
    ),
    (
        "map input",
        "SELECT onnx_predict('map_input', map('a', 1.0F))",
        "ONNX_UNSUPPORTED_TENSOR_TYPE",
        {"role": "input", "tensorType": "map(string,float)"},
    ),
    (
        "uint16 output",
        "SELECT onnx_predict('cast_uint16', array(1.0F, 2.0F))",
        "ONNX_UNSUPPORTED_TENSOR_TYPE",
        {"role": "output", "tensor": "y", "tensorType": "uint16[?,2]"},
    ),
    (
        "sequence of tensors output",
        "SELECT onnx_predict('sequence_output', array(1.0F, 2.0F))",
        "ONNX_UNSUPPORTED_TENSOR_TYPE",
        {"role": "output", "tensor": "s"},
    ),
    (
        "struct missing an input",
        "SELECT onnx_predict('weighted_sum', named_struct('a', 1.0F, 'b', 2.0F))",
        "ONNX_INPUT_FIELDS_MISMATCH",
        {"model": "weighted_sum", "inputNames": "(a, b, c)", "missing": "c", "extra": "(none)"},
    ),
    (
        "struct with fields that are no inputs",
        "SELECT onnx_predict('weighted_sum', named_struct('a', 1F, 'b', 2F, 'c', 3F, 'd', 4F))",
        "ONNX_INPUT_FIELDS_MISMATCH",
        {"missing": "(none)", "extra": "d"},
    ),
]


@pytest.mark.parametrize(
    "query, condition, parameters", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_types(spark, query, condition, parameters):
    with pytest.raises(AnalysisException) as caught:
        spark.sql(query).collect()
    assert caught.value.getCondition() == condition
    actual = caught.value.getMessageParameters()
    assert {k: actual[k] for k in parameters} == parameters


@pytest.mark.parametrize(
    "values, value",
    [("array(1, 2, 3, 300, 5, 6)", "300"), ("array(1S, 2S, 3S, 4S, -1S, 6S)", "-1")],
)
def test_uint8_out_of_range_fails_or_gives_null(spark, values, value):
    with pytest.raises(Exception) as caught:
        spark.sql(
            f"SELECT onnx_predict('identity_uint8', x) FROM VALUES ({values}) AS t(x)"
        ).collect()
    message = str(caught.value)
    assert "ONNX_VALUE_OUT_OF_RANGE" in message
    assert f"Column 'x' holds the value {value}, outside the range 0..255" in message
    assert "input 'x' (uint8) of ONNX model 'identity_uint8'" in message
    tried = spark.sql(
        f"SELECT try_onnx_predict('identity_uint8', x) AS out FROM VALUES ({values}) AS t(x)"
    ).first()
    assert tried.out is None
