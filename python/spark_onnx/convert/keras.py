"""Keras 3 and TensorFlow models to ONNX, through tf2onnx."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..model import OnnxModel
from . import parity

OPSET = 17


def _missing(what: str) -> ImportError:
    return ImportError(f"{what} needs tensorflow and tf2onnx: pip install 'spark-onnx[keras]'")


def from_keras(
    model: Any, sample: np.ndarray | None = None, *, atol: float = 1e-5, rtol: float = 1e-4
) -> OnnxModel:
    """Converts a Keras 3 model with Keras' own ONNX export (tf2onnx's `from_keras` does not
    take Keras 3 models); checks it against `model.predict` on `sample`.

    >>> onnx_model = spark_onnx.from_keras(keras_model, x_train[:64])
    """
    try:
        import keras  # noqa: F401
    except ImportError as e:
        raise _missing("from_keras") from e
    if sample is None:
        shape = [d or 4 for d in model.inputs[0].shape]
        sample = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    sample = np.asarray(sample, dtype=np.float32)
    model(sample[:1])  # Keras exports only a model that has been called
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        model.export(str(path), format="onnx", verbose=False)
        converted = OnnxModel(path.read_bytes(), f"<keras {model.name}>")
    expected = model.predict(sample, verbose=0)
    expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    feeds = {converted.inputs[0].name: sample}
    converted.parity = parity.check(converted, "Keras", feeds, expected, atol=atol, rtol=rtol)
    return converted


def from_tensorflow(
    source: Any,
    sample: np.ndarray | dict[str, np.ndarray],
    *,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> OnnxModel:
    """Converts a TensorFlow SavedModel folder (its `serving_default` signature) or a concrete
    function through tf2onnx; checks it against TensorFlow on `sample` (one array for a
    single-input function, else a dict by input name)."""
    try:
        import tensorflow as tf
        import tf2onnx
    except ImportError as e:
        raise _missing("from_tensorflow") from e
    function, loaded = source, None
    if isinstance(source, (str, Path)):
        # The loaded object owns the variables its signatures read: keep it alive.
        loaded = tf.saved_model.load(str(source))
        function = loaded.signatures["serving_default"]
    specs = [s for s in tf.nest.flatten(function.structured_input_signature) if s is not None]
    signature = [tf.TensorSpec(s.shape, s.dtype, name=s.name) for s in specs]
    names = [s.name for s in signature]
    traced = function
    if not hasattr(function, "get_concrete_function"):
        # A SavedModel signature is a concrete function; tf2onnx traces a tf.function.
        concrete = function

        @tf.function(input_signature=signature)
        def traced(*args: Any) -> Any:
            return concrete(**dict(zip(names, args)))

    proto, _ = tf2onnx.convert.from_function(traced, input_signature=signature, opset=OPSET)
    converted = OnnxModel(
        proto.SerializeToString(), f"<tensorflow {getattr(source, 'name', source)}>"
    )
    arrays = sample if isinstance(sample, dict) else {names[0]: sample}
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}
    result = function(**{k: tf.constant(v) for k, v in arrays.items()})
    if isinstance(result, dict):
        by_name = {o.name: result[o.name].numpy() for o in converted.outputs if o.name in result}
        expected = [by_name.get(o.name) for o in converted.outputs]
        if any(e is None for e in expected):  # tf2onnx renamed outputs: fall back to order
            expected = [v.numpy() for v in result.values()]
    else:
        expected = [r.numpy() for r in tf.nest.flatten(result)]
    feeds = {i.name: arrays[n] for i, n in zip(converted.inputs, names)}
    converted.parity = parity.check(converted, "TensorFlow", feeds, expected, atol=atol, rtol=rtol)
    del loaded
    return converted
