"""Small sample models shipped inside the wheel, so the README's snippet has something to score.

>>> spark_onnx.register(spark, "digits", spark_onnx.samples.digits())
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
# In a checkout (or an editable install) the model lives where models/digits.py builds it; the
# wheel's build copies it here (setup.py).
_CHECKOUT_MODELS = _HERE.parents[2] / "models"


def _sample(file: str) -> str:
    for candidate in (_HERE / file, _CHECKOUT_MODELS / file):
        if candidate.is_file():
            return str(candidate)
    raise FileNotFoundError(
        f"sample model {file} is neither in {_HERE} (the wheel's copy) nor in {_CHECKOUT_MODELS} "
        "(a checkout: build it with `python models/build_models.py --if-missing`)"
    )


def digits() -> str:
    """Path of the digits classifier (scikit-learn MLP on 8x8 images): input `pixels` float[N,64]
    (0..16 per pixel) -> `probabilities` float[N,10] (class i = digit i)."""
    return _sample("digits.onnx")


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, x_test, y_train, y_test): scikit-learn's digits split as the sample model was
    trained (70 % train, stratified, seed 42), pixels float32 0..16. The model never saw x_test."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as missing:
        raise ImportError(
            "the digits data comes from scikit-learn: pip install 'spark-onnx[sklearn]'"
        ) from missing
    data = load_digits()
    x = data.data.astype(np.float32)
    return train_test_split(x, data.target, test_size=0.3, random_state=42, stratify=data.target)
