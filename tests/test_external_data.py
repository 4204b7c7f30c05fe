"""Models whose weights live in external data files: they load from their folder, and a path
that leaves it (../ or absolute) is refused before ONNX Runtime opens anything."""

from __future__ import annotations

import shutil

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import spark_onnx
from conftest import DIGITS
from spark_onnx import errors
from spark_onnx.functions import onnx_predict


def external_copy(folder, location="digits.weights"):
    """digits.onnx re-saved with every initializer in one external file."""
    model = onnx.load(DIGITS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "digits_external.onnx"
    onnx.save_model(
        model,
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="digits.weights",
        size_threshold=0,
    )
    if location != "digits.weights":  # point the model elsewhere, as a crafted file would
        crafted = onnx.load(path, load_external_data=False)
        for tensor in crafted.graph.initializer:
            for entry in tensor.external_data:
                if entry.key == "location":
                    entry.value = location
        onnx.save_model(crafted, path)
    return path


def test_external_data_loads_from_the_model_folder(spark, tmp_path, digits_frame, digits_direct):
    path = external_copy(tmp_path / "model")
    assert path.stat().st_size < 10_000  # the weights are not in the graph file
    spark_onnx.register(spark, "digits_external", path)
    rows = digits_frame.select("id", onnx_predict("digits_external", "pixels").alias("p")).collect()
    got = np.array([r.p for r in sorted(rows, key=lambda r: r.id)], dtype=np.float32)
    np.testing.assert_array_equal(got, digits_direct)
    spark_onnx.unregister(spark, "digits_external")


@pytest.mark.parametrize(
    "location", ["../outside.weights", "/etc/passwd", "sub/../../outside.weights"]
)
def test_paths_leaving_the_folder_are_refused(spark, tmp_path, location):
    path = external_copy(tmp_path / "model", location)
    shutil.copy(tmp_path / "model" / "digits.weights", tmp_path / "outside.weights")
    with pytest.raises(errors.InvalidModel) as caught:
        spark_onnx.register(spark, "crafted", path)
    assert caught.value.getCondition() == "ONNX_UNSAFE_EXTERNAL_DATA"
    assert caught.value.getMessageParameters()["location"] == location
    assert "crafted" not in spark_onnx.registered(spark)


def test_external_data_needs_a_path(spark, tmp_path):
    path = external_copy(tmp_path / "model")
    with pytest.raises(errors.InvalidModel, match="registered from a file path"):
        spark_onnx.register(spark, "from_bytes", path.read_bytes())


def test_reference_onnxruntime_reads_the_same_external_model(tmp_path, digits_test, digits_direct):
    path = external_copy(tmp_path / "model")
    session = ort.InferenceSession(str(path))
    np.testing.assert_array_equal(session.run(None, {"pixels": digits_test[0]})[0], digits_direct)
