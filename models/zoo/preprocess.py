"""Reference preprocessing for the zoo's image models, driven by the `preprocessing` block of
the model's JSON card (e.g. `mobilenet_v2.json`). Needs only numpy and Pillow.

It reproduces torchvision's `ImageClassification` transform (the one the weights were trained
and evaluated with): resize the shorter side with PIL's bilinear filter (antialiased when it
downscales), center-crop, RGB, scale to [0, 1], normalize per channel, NCHW. The JVM's image
preprocessing is tested against this function.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

FILTERS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


def load_spec(card: str | Path) -> dict:
    """The `preprocessing` block of a model card JSON file."""
    return json.loads(Path(card).read_text())["preprocessing"]


def resized_size(width: int, height: int, shorter: int) -> tuple[int, int]:
    """(width, height) with the shorter side set to `shorter`; the longer side is truncated,
    as torchvision's `resize` does (`int(shorter * long / short)`)."""
    if width <= height:
        return shorter, int(shorter * height / width)
    return int(shorter * width / height), shorter


def center_crop_box(width: int, height: int, crop: int) -> tuple[int, int, int, int]:
    """PIL crop box of torchvision's `center_crop`: offsets rounded half to even (`round`)."""
    left = round((width - crop) / 2.0)
    top = round((height - crop) / 2.0)
    return left, top, left + crop, top + crop


def to_chw(image: Image.Image | np.ndarray, spec: dict) -> np.ndarray:
    """One image (PIL image, or HxWx3 / HxW uint8 RGB array) → float32 [3, crop, crop]."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    image = image.convert(spec["channel_order"])  # grayscale, palette and RGBA → RGB
    size = resized_size(*image.size, spec["resize_shorter_side"])
    image = image.resize(size, FILTERS[spec["interpolation"]])
    image = image.crop(center_crop_box(*image.size, spec["center_crop"]))
    pixels = np.asarray(image, dtype=np.float32) * np.float32(spec["scale"])
    mean = np.asarray(spec["mean"], dtype=np.float32)
    std = np.asarray(spec["std"], dtype=np.float32)
    pixels = (pixels - mean) / std
    assert spec["layout"] == "NCHW", spec["layout"]
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def to_batch(images, spec: dict) -> np.ndarray:
    """Several images → float32 [N, 3, crop, crop], the model's `image` input."""
    return np.stack([to_chw(image, spec) for image in images])
