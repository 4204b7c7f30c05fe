"""The row <-> tensor contract's models (issue 12): one tiny graph per rule, built with
onnx.helper (opset 17, IR 9, onnx.checker) into a test's temp folder.

`ContractModels` builds and registers them lazily, one at a time, as `c_<name>`: a model the
engine cannot register yet fails only the tests that use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import spark_onnx
from model_factory import save

F32, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def _io(name: str, element: int, dims: list | None) -> onnx.ValueInfoProto:
    """dims: ints (fixed), strings (named dims), None entries (unnamed dynamic dims)."""
    return helper.make_tensor_value_info(name, element, dims)


def _const(name: str, values, element=F32) -> onnx.TensorProto:
    array = np.asarray(values, dtype=np.int64 if element == I64 else np.float32)
    return numpy_helper.from_array(array, name)


def _graph(name, nodes, inputs, outputs, inits=()) -> onnx.GraphProto:
    return helper.make_graph(nodes, name, inputs, outputs, list(inits))


def state(batch="batch"):
    """x[B,4], state[2,B,3] -> y = x + sum(state over axes 0, 2) per row, new_state = state +
    sum(x) per row. B is a batch name (R1: state's batch axis is 1) or, with batch=None,
    unnamed (state[2,?,3]: never guessed, R4)."""
    return _graph(
        "state" if batch else "state_unnamed",
        [
            helper.make_node("ReduceSum", ["state", "axes02"], ["s"], keepdims=0),  # [B]
            helper.make_node("Unsqueeze", ["s", "axis1"], ["s1"]),  # [B,1]
            helper.make_node("Add", ["x", "s1"], ["y"]),
            helper.make_node("ReduceSum", ["x", "axis1"], ["xs"], keepdims=0),  # [B]
            helper.make_node("Unsqueeze", ["xs", "axes02"], ["xs3"]),  # [1,B,1]
            helper.make_node("Add", ["state", "xs3"], ["new_state"]),
        ],
        [_io("x", F32, [batch, 4]), _io("state", F32, [2, batch, 3])],
        [_io("y", F32, [batch, 4]), _io("new_state", F32, [2, batch, 3])],
        [_const("axes02", [0, 2], I64), _const("axis1", [1], I64)],
    )


def rank0():
    """x[N,5], scale float[], k int64[] -> values, indices = TopK(x * scale, k)."""
    return _graph(
        "rank0",
        [
            helper.make_node("Mul", ["x", "scale"], ["xs"]),
            helper.make_node("Unsqueeze", ["k", "axis0"], ["k1"]),
            helper.make_node("TopK", ["xs", "k1"], ["values", "indices"], axis=1),
        ],
        [_io("x", F32, ["n", 5]), _io("scale", F32, []), _io("k", I64, [])],
        [_io("values", F32, ["n", "top"]), _io("indices", I64, ["n", "top"])],
        [_const("axis0", [0], I64)],
    )


def matmul():
    """x[N,4] @ w[4,3] -> y[N,3]: w all fixed, fed as a constant (R3)."""
    return _graph(
        "matmul",
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [_io("x", F32, ["n", 4]), _io("w", F32, [4, 3])],
        [_io("y", F32, ["n", 3])],
    )


W62 = np.arange(12, dtype=np.float32).reshape(6, 2) / 10 - 0.5


def fixed4():
    """x[4,6] -> y[4,2] = x @ W + 1: a fixed batch of exactly 4 rows (R4)."""
    return _graph(
        "fixed4",
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "one"], ["y"]),
        ],
        [_io("x", F32, [4, 6])],
        [_io("y", F32, [4, 2])],
        [_const("W", W62), _const("one", 1.0)],
    )


def fixed1_conv():
    """x[1,3,8,8] -> Conv(2 filters 3x3, pads 1) -> y[1,2,8,8]: a batch of exactly one."""
    weights = np.sin(np.arange(54, dtype=np.float32)).reshape(2, 3, 3, 3)
    return _graph(
        "fixed1_conv",
        [helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])],
        [_io("x", F32, [1, 3, 8, 8])],
        [_io("y", F32, [1, 2, 8, 8])],
        [_const("W", weights), _const("B", [0.5, -0.5])],
    )


def _unary(name, nodes, x_dims, y_dims, element=F32, y_element=None, inits=()):
    return _graph(
        name, nodes, [_io("x", element, x_dims)], [_io("y", y_element or element, y_dims)], inits
    )


def argmax_batch():
    """x[N,10] -> ArgMax over axis 0 -> int64[10]: no per-row axis."""
    node = helper.make_node("ArgMax", ["x"], ["y"], axis=0, keepdims=0)
    return _unary("argmax_batch", [node], ["n", 10], [10], y_element=I64)


def reduce_batch():
    """x[N,4] -> ReduceSum over axis 0 -> [4]."""
    node = helper.make_node("ReduceSum", ["x", "axis0"], ["y"], keepdims=0)
    return _unary("reduce_batch", [node], ["n", 4], [4], inits=[_const("axis0", [0], I64)])


def reduce_all():
    """x[N,4] -> ReduceSum over everything -> rank 0."""
    node = helper.make_node("ReduceSum", ["x"], ["y"], keepdims=0)
    return _unary("reduce_all", [node], ["n", 4], [])


def constant():
    """No inputs: Constant -> y[2,3]."""
    value = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5, "v")
    return _graph(
        "constant",
        [helper.make_node("Constant", [], ["y"], value=value)],
        [],
        [_io("y", F32, [2, 3])],
    )


def scalars_only():
    """a float[], b float[] -> y float[] = a * b: only rank-0 inputs (R5)."""
    return _graph(
        "scalars_only",
        [helper.make_node("Mul", ["a", "b"], ["y"])],
        [_io("a", F32, []), _io("b", F32, [])],
        [_io("y", F32, [])],
    )


def concat_batch():
    """x[N,3] -> Concat(x, x) along axis 0 -> y[?,3]: 2N rows at run time."""
    node = helper.make_node("Concat", ["x", "x"], ["y"], axis=0)
    return _unary("concat_batch", [node], ["n", 3], [None, 3])


def transpose():
    """x[N,3] -> y[3,N]: the output's batch axis is 1 (it holds the batch name)."""
    node = helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0])
    return _unary("transpose", [node], ["n", 3], [3, "n"])


def unique():
    """x[N] -> Unique -> y[?]: as many values as distinct ones, not rows."""
    return _unary("unique", [helper.make_node("Unique", ["x"], ["y"])], ["n"], [None])


def gap():
    """x[N,3,H,W] -> GlobalAveragePool -> y[N,3,1,1]: rows of any H, W."""
    node = helper.make_node("GlobalAveragePool", ["x"], ["y"])
    return _unary("gap", [node], ["n", 3, "h", "w"], ["n", 3, 1, 1])


def seq_sum():
    """x int64[N,seq] -> total int64[N] = sum over seq: rows of any length."""
    node = helper.make_node("ReduceSum", ["x", "axis1"], ["y"], keepdims=0)
    return _unary(
        "seq_sum", [node], ["n", "seq"], ["n"], element=I64, inits=[_const("axis1", [1], I64)]
    )


def row_sums(rows: int, cols: int):
    """x[N,rows,cols] -> y[N,rows]: each inner row's sum (a misread layout shows)."""
    node = helper.make_node("ReduceSum", ["x", "axis2"], ["y"], keepdims=0)
    return _unary(
        f"nested{rows}{cols}",
        [node],
        ["n", rows, cols],
        ["n", rows],
        inits=[_const("axis2", [2], I64)],
    )


def two_batch_names():
    """p[a,4], q[b,4], r[a,b]: r holds two batch names (R1: ambiguous)."""
    return _graph(
        "two_batch_names",
        [
            helper.make_node("ReduceSum", ["r", "axis1"], ["rs"], keepdims=0),
            helper.make_node("ReduceSum", ["p", "axis1"], ["ps"], keepdims=0),
            helper.make_node("Add", ["rs", "ps"], ["y"]),
            helper.make_node("Identity", ["q"], ["z"]),
        ],
        [_io("p", F32, ["a", 4]), _io("q", F32, ["b", 4]), _io("r", F32, ["a", "b"])],
        [_io("y", F32, ["a"]), _io("z", F32, ["b", 4])],
        [_const("axis1", [1], I64)],
    )


def _identities(name, dims_by_input):
    names = list(dims_by_input)
    return _graph(
        name,
        [helper.make_node("Identity", [n], [f"y_{n}"]) for n in names],
        [_io(n, F32, d) for n, d in dims_by_input.items()],
        [_io(f"y_{n}", F32, d) for n, d in dims_by_input.items()],
    )


def mixed_batch():
    """x[4,6] (fixed batch) beside z[N,6] (dynamic batch): R4, ambiguous."""
    return _identities("mixed_batch", {"x": [4, 6], "z": ["n", 6]})


def fixed_disagree():
    """a[4,2] and b[3,2], both fed by columns: fixed batches disagreeing on N (R4)."""
    return _identities("fixed_disagree", {"a": [4, 2], "b": [3, 2]})


def positive():
    """x[N,4] -> bool[N] = sum(x) > 0: a prediction used as a predicate."""
    return _graph(
        "positive",
        [
            helper.make_node("ReduceSum", ["x", "axis1"], ["s"], keepdims=0),
            helper.make_node("Greater", ["s", "zero"], ["y"]),
        ],
        [_io("x", F32, ["n", 4])],
        [_io("y", BOOL, ["n"])],
        [_const("axis1", [1], I64), _const("zero", 0.0)],
    )


BUILDERS = {
    "state": state,
    "state_unnamed": lambda: state(batch=None),
    "rank0": rank0,
    "matmul": matmul,
    "fixed4": fixed4,
    "fixed1_conv": fixed1_conv,
    "argmax_batch": argmax_batch,
    "reduce_batch": reduce_batch,
    "reduce_all": reduce_all,
    "constant": constant,
    "scalars_only": scalars_only,
    "concat_batch": concat_batch,
    "transpose": transpose,
    "unique": unique,
    "gap": gap,
    "seq_sum": seq_sum,
    "nested45": lambda: row_sums(4, 5),
    "nested32": lambda: row_sums(3, 2),
    "two_batch_names": two_batch_names,
    "mixed_batch": mixed_batch,
    "fixed_disagree": fixed_disagree,
    "positive": positive,
}


def build(name: str, folder: Path) -> Path:
    return save(BUILDERS[name](), folder / f"{name}.onnx")


class ContractModels:
    """Builds a model on first use, registers it as `c_<name>`, and runs it directly."""

    def __init__(self, spark, folder: Path):
        self.spark, self.folder = spark, folder
        self.paths: dict[str, Path] = {}
        self.sessions: dict[str, ort.InferenceSession] = {}

    def use(self, name: str) -> str:
        if name not in self.paths:
            path = build(name, self.folder)
            spark_onnx.register(self.spark, f"c_{name}", path, replace=True)
            self.paths[name] = path
        return f"c_{name}"

    def session(self, name: str) -> ort.InferenceSession:
        if name not in self.sessions:
            path = self.paths.get(name) or build(name, self.folder)
            self.sessions[name] = ort.InferenceSession(
                str(path), providers=["CPUExecutionProvider"]
            )
        return self.sessions[name]

    def run(self, name: str, feeds: dict) -> dict:
        """ONNX Runtime directly: output name -> value."""
        session = self.session(name)
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, feeds)))


def assert_same(actual, expected: dict) -> None:
    """A Spark result (a value, or a Row of one field per output) against ORT's outputs."""
    assert actual is not None, f"null result, expected {expected}"
    values = {next(iter(expected)): actual} if len(expected) == 1 else actual.asDict()
    assert set(values) == set(expected), (set(values), set(expected))
    for name, want in expected.items():
        want = np.asarray(want)
        got = np.asarray(values[name], dtype=np.float64 if want.dtype != bool else bool)
        assert got.shape == want.shape, f"{name}: shape {got.shape}, ORT {want.shape}"
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-5, atol=1e-6)
