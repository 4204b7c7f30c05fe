"""ONNX models on the Python side: load, inspect, save. Nothing here touches Spark."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    import onnx

PathOrBytes = Union[str, "os.PathLike[str]", bytes, bytearray]


@dataclass(frozen=True)
class TensorInfo:
    """One input or output: name, element type (ONNX name, e.g. "float") and shape.

    Dynamic dimensions (symbolic or unknown) are -1, as the JVM side reports them.
    """

    name: str
    element_type: str
    shape: tuple[int, ...]

    def __str__(self) -> str:
        dims = ",".join("?" if d < 0 else str(d) for d in self.shape)
        return f"{self.name}: {self.element_type}[{dims}]"


@dataclass(frozen=True)
class ModelInfo:
    """A registered model's signature as the JVM read it (`onnx_model_info` in SQL)."""

    sha256: str
    size_bytes: int
    producer: str
    opset: dict[str, int]
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @staticmethod
    def from_json(text: str) -> ModelInfo:
        data = json.loads(text)

        def tensors(key: str) -> tuple[TensorInfo, ...]:
            return tuple(
                TensorInfo(t["name"], t["elementType"], tuple(t["shape"])) for t in data[key]
            )

        return ModelInfo(
            data["sha256"],
            data["sizeBytes"],
            data["producer"],
            data["opsets"],
            tensors("inputs"),
            tensors("outputs"),
        )


class OnnxModel:
    """An ONNX model held in memory, with its signature read once.

    >>> model = spark_onnx.load("models/digits.onnx")
    >>> model.inputs
    (TensorInfo(name='pixels', element_type='float', shape=(-1, 64)),)
    >>> print(model.summary())
    """

    def __init__(self, data: bytes, source: str = "<bytes>") -> None:
        self._bytes = bytes(data)
        self.source = source
        # onnx is imported here, not at the top: it takes about a second, which
        # `import spark_onnx` (and the command line's checks) should not pay.
        import onnx

        try:
            proto = onnx.load_model_from_string(self._bytes)
        except Exception as e:  # protobuf raises DecodeError, onnx raises its own errors
            raise ValueError(f"{source} is not a valid ONNX model: {e}") from e
        if not proto.graph.output:
            raise ValueError(f"{source} is not a valid ONNX model: the graph has no outputs")
        weights = {t.name for t in proto.graph.initializer}
        weights |= {t.values.name for t in proto.graph.sparse_initializer}
        self.inputs = tuple(_tensor_info(v) for v in proto.graph.input if v.name not in weights)
        self.outputs = tuple(_tensor_info(v) for v in proto.graph.output)
        self.opset = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
        self.producer = proto.producer_name
        self.ir_version = proto.ir_version
        self.sha256 = hashlib.sha256(self._bytes).hexdigest()
        # Set by the converters: how closely the model matches the framework it came from.
        self.parity = None

    @property
    def bytes(self) -> bytes:
        """The serialized model, exactly as loaded."""
        return self._bytes

    @property
    def size_bytes(self) -> int:
        return len(self._bytes)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the model to `path`; returns it."""
        target = Path(path)
        target.write_bytes(self._bytes)
        return target

    def truncate(self, output: str) -> OnnxModel:
        """The sub-model from the same inputs up to the intermediate tensor `output`, as a
        feature extractor cut at any layer (the zoo also ships cut variants).

        >>> features = classifier.truncate("pooled")   # any tensor name of the graph
        """
        import onnx
        from onnx.utils import Extractor

        proto = onnx.shape_inference.infer_shapes(onnx.load_model_from_string(self._bytes))
        known = {v.name for v in (*proto.graph.value_info, *proto.graph.output)}
        if output not in known:
            raise ValueError(
                f"{self.source} has no tensor {output!r} with a known type; tensors: "
                f"{sorted(known)[:20]}{' ...' if len(known) > 20 else ''}"
            )
        cut = Extractor(proto).extract_model([i.name for i in self.inputs], [output])
        return OnnxModel(cut.SerializeToString(), f"{self.source}[:{output}]")

    def summary(self) -> str:
        """A readable table of the model's inputs and outputs."""
        lines = [
            f"ONNX model {self.source}",
            f"  sha256 {self.sha256[:16]}…  {self.size_bytes:,} bytes  IR {self.ir_version}",
            f"  opsets {', '.join(f'{d} {v}' for d, v in sorted(self.opset.items()))}",
            f"  producer {self.producer or '(unknown)'}",
        ]
        for role, tensors in (("input ", self.inputs), ("output", self.outputs)):
            lines += [f"  {role}  {tensor}" for tensor in tensors]
        return "\n".join(lines)

    def __repr__(self) -> str:
        inputs = ", ".join(map(str, self.inputs))
        outputs = ", ".join(map(str, self.outputs))
        return f"OnnxModel({self.source!r}, inputs=({inputs}), outputs=({outputs}))"


def load(model: PathOrBytes) -> OnnxModel:
    """Reads an ONNX model from a path or from its bytes."""
    if isinstance(model, (bytes, bytearray)):
        return OnnxModel(bytes(model))
    path = Path(os.fspath(model))
    return OnnxModel(path.read_bytes(), str(path))


def _tensor_info(value: onnx.ValueInfoProto) -> TensorInfo:
    element, shape = _describe(value.type)
    return TensorInfo(value.name, element, shape)


def _describe(type_proto: onnx.TypeProto) -> tuple[str, tuple[int, ...]]:
    """(element type, shape) as the JVM reports them: a tensor's element name and dims;
    maps and sequences as `map(int64,float)` / `seq(...)` with a sequence's tensor dims."""
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        tensor = type_proto.tensor_type
        shape = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim)
        return _ELEMENT_NAMES.get(tensor.elem_type, f"onnx_type_{tensor.elem_type}"), shape
    if kind == "map_type":
        key = _ELEMENT_NAMES.get(type_proto.map_type.key_type, "undefined")
        value, _ = _describe(type_proto.map_type.value_type)
        return f"map({key},{value})", ()
    if kind == "sequence_type":
        element, shape = _describe(type_proto.sequence_type.elem_type)
        return f"seq({element})", shape
    return kind or "undefined", ()


# The JVM's names for ONNX element types (TensorProto.DataType codes).
_ELEMENT_NAMES = {
    1: "float",
    2: "uint8",
    3: "int8",
    4: "uint16",
    5: "int16",
    6: "int32",
    7: "int64",
    8: "string",
    9: "bool",
    10: "float16",
    11: "double",
    12: "uint32",
    13: "uint64",
    16: "bfloat16",
}
