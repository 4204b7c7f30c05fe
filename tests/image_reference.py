"""The reference preprocessing, in PIL and numpy: torchvision's ImageNet evaluation transform
(Resize(256) bilinear, CenterCrop(224), ToTensor, Normalize), which the JVM must reproduce."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def preprocess(image: Image.Image, resize: int = 256, crop: int = 224) -> np.ndarray:
    """float32[3, crop, crop], normalised, channels first."""
    image = image.convert("RGB")
    width, height = image.size
    if width <= height:
        size = (resize, int(resize * height / width))
    else:
        size = (int(resize * width / height), resize)
    image = image.resize(size, Image.BILINEAR)
    left = round((image.size[0] - crop) / 2.0)
    top = round((image.size[1] - crop) / 2.0)
    image = image.crop((left, top, left + crop, top + crop))
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    return ((pixels - MEAN) / STD).transpose(2, 0, 1)


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def as_pixel_levels(tensor: np.ndarray) -> np.ndarray:
    """Undo the normalisation: 0..255 levels, to state tolerances in 8-bit steps."""
    return (tensor.reshape(3, -1).T * STD + MEAN) * 255.0
