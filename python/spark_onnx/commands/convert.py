"""`spark-onnx convert`: Keras / SavedModel / scikit-learn pickle / torch module to ONNX, with
the parity check's result."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

import spark_onnx


def _sample(shape, rows: int = 8) -> np.ndarray:
    dims = [rows] + [d if isinstance(d, int) and d > 0 else 4 for d in list(shape)[1:]]
    return np.random.default_rng(0).normal(size=dims).astype(np.float32)


def run(args) -> int:
    source = Path(args.source)
    sample = np.load(args.sample) if args.sample else None
    if source.suffix in (".keras", ".h5"):
        import keras

        net = keras.models.load_model(source)
        model = spark_onnx.from_keras(
            net, sample if sample is not None else _sample(net.inputs[0].shape)
        )
    elif source.is_dir() and (source / "saved_model.pb").exists():
        import tensorflow as tf

        signature = tf.saved_model.load(str(source)).signatures["serving_default"]
        spec = next(
            s for s in tf.nest.flatten(signature.structured_input_signature) if s is not None
        )
        model = spark_onnx.from_tensorflow(
            source, sample if sample is not None else _sample(spec.shape)
        )
    elif source.suffix in (".pkl", ".pickle", ".joblib"):
        # Unpickling runs code from the file: only convert pickles you trust.
        if source.suffix == ".joblib":
            import joblib

            estimator = joblib.load(source)
        else:
            with open(source, "rb") as f:
                estimator = pickle.load(f)
        if sample is None:
            sample = _sample((None, estimator.n_features_in_))
        model = spark_onnx.from_sklearn(estimator, sample)
    elif source.suffix in (".pt", ".pth"):
        import torch

        module = torch.load(source, weights_only=False)
        if sample is None:
            if not args.input_shape:
                raise SystemExit(
                    "spark-onnx convert: a torch module needs --sample or --input-shape"
                )
            sample = _sample([None, *map(int, args.input_shape.split(","))])
        model = spark_onnx.from_torch(module, sample)
    else:
        raise SystemExit(
            f"spark-onnx convert: cannot tell what {source} is (.keras/.h5, a SavedModel folder, "
            ".pkl/.joblib scikit-learn, .pt torch module)"
        )
    model.save(args.to)
    print(f"wrote {args.to} ({model.size_bytes:,} bytes); parity: {model.parity}")
    return 0
