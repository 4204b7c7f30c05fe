"""Builds the tiny models the tensor-type tests use: `python models/build_test_models.py`.

Each is a graph of one or two standard operators (Identity, Cast, ZipMap...) over one element
type, written into models/testing/. The files are committed, so the ScalaTest suites need no
Python; the pytest suites load the same files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

HERE = Path(__file__).resolve().parent
TESTING = HERE / "testing"
OPSET = 17
ML_OPSET = 3


def _save(graph: onnx.GraphProto, folder: Path, ml: bool = False) -> Path:
    opsets = [helper.make_opsetid("", OPSET)]
    if ml:
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="spark-onnx tests")
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    path = folder / f"{graph.name}.onnx"
    onnx.save(model, path)
    return path


def identity(name: str, element: int, dims: list) -> onnx.GraphProto:
    """x -> y = x, and as_float = float(x): the tensor as it arrived, and its values."""
    shape = ["n", *dims]
    return helper.make_graph(
        [
            helper.make_node("Identity", ["x"], ["y"]),
            helper.make_node("Cast", ["x"], ["as_float"], to=TensorProto.FLOAT),
        ],
        name,
        [helper.make_tensor_value_info("x", element, shape)],
        [
            helper.make_tensor_value_info("y", element, shape),
            helper.make_tensor_value_info("as_float", TensorProto.FLOAT, shape),
        ],
    )


def cast(name: str, source: int, target: int, dims: list) -> onnx.GraphProto:
    """x -> y = cast(x): an output of the target type."""
    shape = ["n", *dims]
    return helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=target)],
        name,
        [helper.make_tensor_value_info("x", source, shape)],
        [helper.make_tensor_value_info("y", target, shape)],
    )


def weighted_sum() -> onnx.GraphProto:
    """a, b, c float[N] -> y = a + 10 b + 100 c: inputs taken in the wrong order show."""
    ten = helper.make_tensor("ten", TensorProto.FLOAT, [], [10.0])
    hundred = helper.make_tensor("hundred", TensorProto.FLOAT, [], [100.0])
    return helper.make_graph(
        [
            helper.make_node("Mul", ["b", "ten"], ["b10"]),
            helper.make_node("Mul", ["c", "hundred"], ["c100"]),
            helper.make_node("Add", ["a", "b10"], ["ab"]),
            helper.make_node("Add", ["ab", "c100"], ["y"]),
        ],
        "weighted_sum",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["n"]) for n in ("a", "b", "c")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
        [ten, hundred],
    )


def zipmap(name: str, labels: dict) -> onnx.GraphProto:
    """x float[N,3] -> label int64[N] (argmax), probabilities seq(map(label, float)) (softmax),
    the two outputs of a scikit-learn classifier converted by skl2onnx with its ZipMap."""
    key = TensorProto.INT64 if "classlabels_int64s" in labels else TensorProto.STRING
    probabilities = helper.make_sequence_type_proto(
        helper.make_map_type_proto(key, helper.make_tensor_type_proto(TensorProto.FLOAT, []))
    )
    return helper.make_graph(
        [
            helper.make_node("ArgMax", ["x"], ["label"], axis=1, keepdims=0),
            helper.make_node("Softmax", ["x"], ["softmax"], axis=1),
            helper.make_node(
                "ZipMap", ["softmax"], ["probabilities"], domain="ai.onnx.ml", **labels
            ),
        ],
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["n"]),
            helper.make_value_info("probabilities", probabilities),
        ],
    )


def sequence_output() -> onnx.GraphProto:
    """x float[N,2] -> s = [x]: a sequence of tensors, one value per batch, not per row."""
    return helper.make_graph(
        [helper.make_node("SequenceConstruct", ["x"], ["s"])],
        "sequence_output",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)],
    )


def map_input() -> onnx.GraphProto:
    """x map(string, float) -> y = DictVectorizer(x): an input no column can feed."""
    x = helper.make_value_info(
        "x",
        helper.make_map_type_proto(
            TensorProto.STRING, helper.make_tensor_type_proto(TensorProto.FLOAT, [])
        ),
    )
    return helper.make_graph(
        [
            helper.make_node(
                "DictVectorizer", ["x"], ["y"], domain="ai.onnx.ml", string_vocabulary=["a", "b"]
            )
        ],
        "map_input",
        [x],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
    )


BUILDERS = {
    "identity_float16": lambda d: _save(identity("identity_float16", TensorProto.FLOAT16, [4]), d),
    "identity_bfloat16": lambda d: _save(
        identity("identity_bfloat16", TensorProto.BFLOAT16, [4]), d
    ),
    "identity_uint8": lambda d: _save(identity("identity_uint8", TensorProto.UINT8, [2, 3]), d),
    "identity_float": lambda d: _save(identity("identity_float", TensorProto.FLOAT, [5]), d),
    "identity_double": lambda d: _save(identity("identity_double", TensorProto.DOUBLE, [5]), d),
    "identity_uint16": lambda d: _save(identity("identity_uint16", TensorProto.UINT16, [2]), d),
    "cast_float16": lambda d: _save(
        cast("cast_float16", TensorProto.FLOAT, TensorProto.FLOAT16, [3]), d
    ),
    "cast_uint16": lambda d: _save(
        cast("cast_uint16", TensorProto.FLOAT, TensorProto.UINT16, [2]), d
    ),
    "weighted_sum": lambda d: _save(weighted_sum(), d),
    "zipmap_int64": lambda d: _save(
        zipmap("zipmap_int64", {"classlabels_int64s": [10, 20, 30]}), d, ml=True
    ),
    "zipmap_string": lambda d: _save(
        zipmap("zipmap_string", {"classlabels_strings": ["cat", "dog", "eel"]}), d, ml=True
    ),
    "sequence_output": lambda d: _save(sequence_output(), d),
    "map_input": lambda d: _save(map_input(), d, ml=True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=TESTING, help="folder to write into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for build in BUILDERS.values():
        build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
