"""The models docs/tensors.md names, built from the signatures it prints above each example
(opset 17, IR 9), so tests/test_docs.py runs its SQL as written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from model_factory import save

F32, I64 = TensorProto.FLOAT, TensorProto.INT64


def _io(name, dims, element=F32):
    return helper.make_tensor_value_info(name, element, dims)


def _const(name, values, element=F32):
    dtype = np.int64 if element == I64 else np.float32
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def step():
    """x float[batch,2], h float[2,batch,1] -> y = x + h[0] + h[1], h_out = 10 * h."""
    nodes = [
        helper.make_node("ReduceSum", ["h", "axis0"], ["h_sum"], keepdims=0),
        helper.make_node("Add", ["x", "h_sum"], ["y"]),
        helper.make_node("Mul", ["h", "ten"], ["h_out"]),
    ]
    return helper.make_graph(
        nodes,
        "step",
        [_io("x", ["batch", 2]), _io("h", [2, "batch", 1])],
        [_io("y", ["batch", 2]), _io("h_out", [2, "batch", 1])],
        [_const("axis0", [0], I64), _const("ten", 10.0)],
    )


def double():
    """x float[?,3] -> y = 2 * x."""
    return helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"])],
        "double",
        [_io("x", [None, 3])],
        [_io("y", [None, 3])],
        [_const("two", 2.0)],
    )


def topk():
    """x float[n,5], scale float[], k int64[] -> values, indices = TopK(x * scale, k)."""
    nodes = [
        helper.make_node("Mul", ["x", "scale"], ["scaled"]),
        helper.make_node("Unsqueeze", ["k", "axis0"], ["k1"]),
        helper.make_node("TopK", ["scaled", "k1"], ["values", "indices"], axis=1),
    ]
    return helper.make_graph(
        nodes,
        "topk",
        [_io("x", ["n", 5]), _io("scale", []), _io("k", [], I64)],
        [_io("values", ["n", "top"]), _io("indices", ["n", "top"], I64)],
        [_const("axis0", [0], I64)],
    )


def matmul():
    """x float[n,2], w float[2,2] -> y = x @ w."""
    return helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "matmul",
        [_io("x", ["n", 2]), _io("w", [2, 2])],
        [_io("y", ["n", 2])],
    )


def fixed4():
    """x float[4,2] -> y = x + 1: exactly four rows a run."""
    return helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["y"])],
        "fixed4",
        [_io("x", [4, 2])],
        [_io("y", [4, 2])],
        [_const("one", 1.0)],
    )


def constant():
    """No inputs -> y float[2,2] = [[1,2],[3,4]]."""
    value = numpy_helper.from_array(np.array([[1, 2], [3, 4]], dtype=np.float32), "value")
    return helper.make_graph(
        [helper.make_node("Constant", [], ["y"], value=value)], "constant", [], [_io("y", [2, 2])]
    )


def scalars():
    """a float[], b float[] -> y float[] = a * b."""
    return helper.make_graph(
        [helper.make_node("Mul", ["a", "b"], ["y"])],
        "scalars",
        [_io("a", []), _io("b", [])],
        [_io("y", [])],
    )


def rowsums():
    """x float[n,2,3] -> y float[n,2]: each inner row's sum."""
    return helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axis2"], ["y"], keepdims=0)],
        "rowsums",
        [_io("x", ["n", 2, 3])],
        [_io("y", ["n", 2])],
        [_const("axis2", [2], I64)],
    )


def seqsum():
    """x int64[n,seq] -> y int64[n] = the sum over seq."""
    return helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axis1"], ["y"], keepdims=0)],
        "seqsum",
        [_io("x", ["n", "seq"], I64)],
        [_io("y", ["n"], I64)],
        [_const("axis1", [1], I64)],
    )


def shapes():
    """x float[n,2] -> s float[n] = sum(x), a float[n,2] = x, m float[n,2,2] = x xᵀ."""
    nodes = [
        helper.make_node("ReduceSum", ["x", "axis1"], ["s"], keepdims=0),
        helper.make_node("Identity", ["x"], ["a"]),
        helper.make_node("Unsqueeze", ["x", "axis2"], ["column"]),
        helper.make_node("Unsqueeze", ["x", "axis1"], ["row"]),
        helper.make_node("MatMul", ["column", "row"], ["m"]),
    ]
    return helper.make_graph(
        nodes,
        "shapes",
        [_io("x", ["n", 2])],
        [_io("s", ["n"]), _io("a", ["n", 2]), _io("m", ["n", 2, 2])],
        [_const("axis1", [1], I64), _const("axis2", [2], I64)],
    )


def argmax0():
    """x float[n,3] -> best int64[3] = ArgMax over axis 0, y float[n,3] = x."""
    nodes = [
        helper.make_node("ArgMax", ["x"], ["best"], axis=0, keepdims=0),
        helper.make_node("Identity", ["x"], ["y"]),
    ]
    return helper.make_graph(
        nodes,
        "argmax0",
        [_io("x", ["n", 3])],
        [_io("best", [3], I64), _io("y", ["n", 3])],
    )


DOC_MODELS = {
    f.__name__: f
    for f in (
        step,
        double,
        topk,
        matmul,
        fixed4,
        constant,
        scalars,
        rowsums,
        seqsum,
        shapes,
        argmax0,
    )
}


def build_all(folder: Path) -> dict[str, Path]:
    return {name: save(build(), folder / f"{name}.onnx") for name, build in DOC_MODELS.items()}
