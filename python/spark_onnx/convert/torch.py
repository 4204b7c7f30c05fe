"""PyTorch modules to ONNX, through `torch.onnx.export`."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..model import OnnxModel
from . import parity

OPSET = 17


def from_torch(module: Any, sample: Any, *, atol: float = 1e-5, rtol: float = 1e-4) -> OnnxModel:
    """Exports `module` with a dynamic batch dimension (input `input`, output `output`) and
    checks it against the module on `sample` (a tensor or array, batch first)."""
    try:
        import torch
    except ImportError as e:
        raise ImportError("from_torch needs PyTorch: pip install 'spark-onnx[torch]'") from e
    example = torch.as_tensor(np.asarray(sample, dtype=np.float32))
    module = module.eval()
    buffer = io.BytesIO()
    torch.onnx.export(
        module,
        (example,),
        buffer,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        dynamo=False,
    )
    converted = OnnxModel(buffer.getvalue(), f"<torch {type(module).__name__}>")
    with torch.no_grad():
        expected = module(example).numpy()
    feeds = {"input": example.numpy()}
    converted.parity = parity.check(converted, "PyTorch", feeds, [expected], atol=atol, rtol=rtol)
    return converted
