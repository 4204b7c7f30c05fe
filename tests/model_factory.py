"""Small ONNX graphs built in the test's temp folder, one per input/output shape to cover."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

OPSET = 17


def save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def two_inputs(folder: Path) -> Path:
    """a float[N,3] + b float[N,3] -> sum float[N,3]."""
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "two_inputs",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 3]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", 3]),
        ],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, ["n", 3])],
    )
    return save(graph, folder / "two_inputs.onnx")


def two_outputs(folder: Path) -> Path:
    """x double[N,4] -> total double[N] (row sum), doubled double[N,4]."""
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    two = helper.make_tensor("two", TensorProto.DOUBLE, [], [2.0])
    graph = helper.make_graph(
        [
            helper.make_node("ReduceSum", ["x", "axes"], ["total"], keepdims=0),
            helper.make_node("Mul", ["x", "two"], ["doubled"]),
        ],
        "two_outputs",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["n", 4])],
        [
            helper.make_tensor_value_info("total", TensorProto.DOUBLE, ["n"]),
            helper.make_tensor_value_info("doubled", TensorProto.DOUBLE, ["n", 4]),
        ],
        [axes, two],
    )
    return save(graph, folder / "two_outputs.onnx")


def scalar_long(folder: Path) -> Path:
    """x int64[N] -> y int64[N] = 3 * x."""
    three = helper.make_tensor("three", TensorProto.INT64, [], [3])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "three"], ["y"])],
        "scalar_long",
        [helper.make_tensor_value_info("x", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.INT64, ["n"])],
        [three],
    )
    return save(graph, folder / "scalar_long.onnx")


def image_like(folder: Path) -> Path:
    """x float[N,2,3] -> y float[N,2,3] = x + 1: flat arrays reshape, outputs nest."""
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["y"])],
        "image_like",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2, 3])],
        [one],
    )
    return save(graph, folder / "image_like.onnx")


def unknown_operator(folder: Path) -> Path:
    """Valid protobuf and a well-formed signature, but an operator no runtime knows."""
    graph = helper.make_graph(
        [helper.make_node("NoSuchOperator", ["x"], ["y"], domain="no.such.domain")],
        "unknown_operator",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("no.such.domain", 1)],
    )
    model.ir_version = 9
    path = folder / "unknown_operator.onnx"
    onnx.save(model, path)
    return path


def fixed_batch_of_one(folder: Path) -> Path:
    """x float[1,4] -> y float[1,4] = 2x: a model exported with its batch dimension fixed."""
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"])],
        "fixed_batch_of_one",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [two],
    )
    return save(graph, folder / "fixed_batch_of_one.onnx")


def future_opset(folder: Path) -> Path:
    """A well-formed model that claims an opset no ONNX Runtime release implements."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "future_opset",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 99)])
    model.ir_version = 9
    path = folder / "future_opset.onnx"
    onnx.save(model, path)
    return path


def row_sums(folder: Path) -> Path:
    """x float[N,len] (a dynamic length) -> total float[N]: each row's sum."""
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axes"], ["total"], keepdims=0)],
        "row_sums",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "len"])],
        [helper.make_tensor_value_info("total", TensorProto.FLOAT, ["n"])],
        [axes],
    )
    return save(graph, folder / "row_sums.onnx")
