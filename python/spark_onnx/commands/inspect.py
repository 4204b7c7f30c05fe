"""`spark-onnx inspect`: a model's signature as a table."""

from __future__ import annotations

import spark_onnx


def run(args) -> int:
    model = spark_onnx.load(args.model)
    rows = [("role", "name", "type", "shape")]
    for role, tensors in (("input", model.inputs), ("output", model.outputs)):
        for t in tensors:
            shape = "[" + ", ".join("?" if d < 0 else str(d) for d in t.shape) + "]"
            rows.append((role, t.name, t.element_type, shape))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"{args.model}")
    print(f"  sha256   {model.sha256}")
    print(f"  size     {model.size_bytes:,} bytes")
    print(f"  opsets   {', '.join(f'{d} {v}' for d, v in sorted(model.opset.items()))}")
    print(f"  producer {model.producer or '(unknown)'}  IR {model.ir_version}")
    for i, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    return 0
