"""Small sample models shipped inside the wheel, so the README's snippet has something to score.

>>> spark_onnx.register(spark, "digits", spark_onnx.samples.digits())
"""

from __future__ import annotations

from pathlib import Path

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
