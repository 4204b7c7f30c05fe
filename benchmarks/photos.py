"""Input images for the CNN and image scenarios: seeded crops, flips and sizes of
scikit-image's sample photos, and the zoo's reference preprocessing (PIL) to tensors."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from benchmarks import harness

ZOO = harness.REPO / "models" / "zoo"
CLASSIFIER = ZOO / "mobilenet_v2.onnx"
CARD = ZOO / "mobilenet_v2.json"
LABELS = ZOO / "imagenet_labels.txt"
SAMPLES = ("chelsea", "coffee", "astronaut", "rocket")
SEED = 20240607


@lru_cache(maxsize=1)
def _samples() -> list[np.ndarray]:
    from skimage import data

    return [getattr(data, name)() for name in SAMPLES]


def variant(i: int):
    """The i-th image: a seeded crop (60-100% of each side) of a sample photo, maybe mirrored,
    scaled so its shorter side is 240..480 pixels. A PIL image."""
    from PIL import Image

    rng = np.random.default_rng((SEED, i))
    photo = _samples()[i % len(SAMPLES)]
    height, width = photo.shape[:2]
    h, w = (int(side * rng.uniform(0.6, 1.0)) for side in (height, width))
    top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
    image = Image.fromarray(photo[top : top + h, left : left + w])
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    scale = rng.integers(240, 481) / min(w, h)
    return image.resize((max(1, round(w * scale)), max(1, round(h * scale))))


def jpeg(i: int) -> bytes:
    out = io.BytesIO()
    variant(i).save(out, format="JPEG", quality=90)
    return out.getvalue()


@lru_cache(maxsize=1)
def spec() -> dict:
    import json

    return json.loads(CARD.read_text())["preprocessing"]


@lru_cache(maxsize=1)
def labels() -> list[str]:
    return LABELS.read_text().splitlines()


def tensor(image) -> np.ndarray:
    """One PIL image -> float32 [3, 224, 224]: resize 256 bilinear, center crop 224,
    normalise (the zoo card's preprocessing, models/zoo/preprocess.py)."""
    import sys

    if str(ZOO) not in sys.path:
        sys.path.append(str(ZOO))
    from preprocess import to_chw

    return to_chw(image, spec())


def decode(blob: bytes) -> np.ndarray:
    from PIL import Image

    return tensor(Image.open(io.BytesIO(blob)))


def decode_batch(blobs) -> np.ndarray:
    """JPEG bytes -> float32 [N, 3, 224, 224], one image after another (PIL, this thread)."""
    return np.stack([decode(blob) for blob in blobs])


def top5(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices [N, 5], probabilities [N, 5]), most probable first."""
    index = np.argsort(-probabilities, axis=1, kind="stable")[:, :5]
    return index.astype(np.int32), np.take_along_axis(probabilities, index, axis=1)
