"""spark_onnx.load / OnnxModel / describe: the Python and JVM readings of a model agree."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import spark_onnx
from conftest import DIGITS, MODELS
from spark_onnx.functions import onnx_predict

SHIPPED = sorted(MODELS.glob("**/*.onnx"))


def test_load_reads_the_signature():
    model = spark_onnx.load(DIGITS)
    assert model.inputs == (spark_onnx.TensorInfo("pixels", "float", (-1, 64)),)
    assert model.outputs == (spark_onnx.TensorInfo("probabilities", "float", (-1, 10)),)
    assert model.sha256 == hashlib.sha256(DIGITS.read_bytes()).hexdigest()
    assert model.size_bytes == DIGITS.stat().st_size
    assert model.opset == {"ai.onnx": 17}
    assert model.producer == "spark-onnx/models/digits.py"
    assert "pixels: float[?,64]" in repr(model)
    assert "output  probabilities: float[?,10]" in model.summary()
    assert spark_onnx.load(DIGITS.read_bytes()).sha256 == model.sha256


def test_load_rejects_what_is_not_a_model(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07not a model at all")
    with pytest.raises(ValueError, match="is not a valid ONNX model"):
        spark_onnx.load(bad)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_python_and_jvm_read_every_shipped_model_alike(spark, path):
    name = f"shipped_{path.stem}"
    spark_onnx.register(spark, name, path)
    python_side = spark_onnx.load(path)
    jvm_side = spark_onnx.describe(spark, name)
    assert jvm_side.inputs == python_side.inputs
    assert jvm_side.outputs == python_side.outputs
    assert jvm_side.sha256 == python_side.sha256
    assert jvm_side.size_bytes == python_side.size_bytes
    assert jvm_side.opset == python_side.opset
    assert jvm_side.producer == python_side.producer
    spark_onnx.unregister(spark, name)


def test_registered_lists_names_with_signatures(spark):
    models = spark_onnx.registered(spark)
    assert models["digits"].inputs[0].shape == (-1, 64)
    assert models["digits_conf"].sha256 == spark_onnx.load(DIGITS).sha256


def test_a_model_made_in_memory_registers_and_scores(spark, digits_frame, digits_direct):
    model = spark_onnx.load(DIGITS.read_bytes())
    spark_onnx.register(spark, "in_memory", model)
    rows = digits_frame.select("id", onnx_predict("in_memory", "pixels").alias("p")).collect()
    got = np.array([r.p for r in sorted(rows, key=lambda r: r.id)], dtype=np.float32)
    np.testing.assert_array_equal(got, digits_direct)
    assert spark_onnx.unregister(spark, "in_memory")


def test_truncate_cuts_at_an_intermediate_tensor(spark, digits_frame, digits_direct):
    logits_model = spark_onnx.load(DIGITS).truncate("z3")
    assert [o.name for o in logits_model.outputs] == ["z3"]
    assert logits_model.outputs[0].shape == (-1, 10)
    spark_onnx.register(spark, "digits_logits", logits_model)
    rows = digits_frame.select("id", onnx_predict("digits_logits", "pixels").alias("z")).collect()
    logits = np.array([r.z for r in sorted(rows, key=lambda r: r.id)], dtype=np.float64)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax, digits_direct, atol=1e-6)
    with pytest.raises(ValueError, match="no tensor 'nope'"):
        spark_onnx.load(DIGITS).truncate("nope")
