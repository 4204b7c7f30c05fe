"""scikit-learn estimators to ONNX, through skl2onnx."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import OnnxModel
from . import parity

OPSETS = {"": 17, "ai.onnx.ml": 3}


def from_sklearn(
    estimator: Any, sample: np.ndarray, *, atol: float = 1e-5, rtol: float = 1e-4
) -> OnnxModel:
    """Converts a fitted estimator or `Pipeline`; checks it against the estimator on `sample`.

    Classifiers come out without ZipMap: outputs `label` (int64[N]) and `probabilities`
    (float[N,k]), so `onnx_predict` returns `struct<label: bigint, probabilities: array<float>>`.

    >>> model = spark_onnx.from_sklearn(make_pipeline(StandardScaler(), LogisticRegression())
    ...                                 .fit(x, y), x[:100])
    """
    try:
        from skl2onnx import to_onnx
    except ImportError as e:
        raise ImportError("from_sklearn needs skl2onnx: pip install 'spark-onnx[sklearn]'") from e
    sample = np.asarray(sample, dtype=np.float32)
    proto = to_onnx(estimator, sample[:1], options={"zipmap": False}, target_opset=OPSETS)
    model = OnnxModel(proto.SerializeToString(), f"<{type(estimator).__name__}>")
    feeds = {model.inputs[0].name: sample}
    if hasattr(estimator, "predict_proba"):
        expected = [None, estimator.predict_proba(sample)]
        labels = (0, estimator.predict(sample))
    else:
        expected, labels = [np.reshape(estimator.predict(sample), (len(sample), -1))], None
    model.parity = parity.check(
        model, "scikit-learn", feeds, expected, atol=atol, rtol=rtol, labels=labels
    )
    return model
