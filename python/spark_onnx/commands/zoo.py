"""`spark-onnx zoo`: the shipped pretrained models."""

from __future__ import annotations

from spark_onnx import zoo


def run(args) -> int:
    for name, model in zoo.models().items():
        pre = model.preprocessing
        print(f"{name}")
        for role in ("classifier", "features"):
            card = model.card[role]
            path = model.folder / card["file"]
            print(
                f"  {role:<10} {path}  {path.stat().st_size / 1e6:.1f} MB  "
                f"{card['output']} {card['output_shape']}"
            )
        print(
            f"  preprocess resize {pre['resize_shorter_side']} ({pre['interpolation']}), crop "
            f"{pre['center_crop']}, mean {pre['mean']}, std {pre['std']}, {pre['layout']}"
        )
        print(f"  labels     {len(model.labels)} ImageNet classes; preset '{name}'")
    return 0
