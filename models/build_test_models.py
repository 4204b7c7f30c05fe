"""Builds the tiny models the JVM suites use: `python models/build_test_models.py`.

Each is a graph of one or two standard operators (Identity, Cast, ZipMap...) over one element
type, written into models/testing/. The files are committed, so the ScalaTest suites need no
Python; the pytest suites load the same files.

models/testing/contract/ holds one graph per rule of the row <-> tensor contract
(ContractSuite, QueryShapesSuite): the same graphs as tests/contract_models.py, which builds
its own into a temp folder. models/testing/external/ holds a model whose weights live in an
external data file beside it (PurityAndLifecycleSuite).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
TESTING = HERE / "testing"
CONTRACT = "contract"
EXTERNAL = "external"
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


# The row <-> tensor contract's models, one per rule (docs/tensors.md), as tests/contract_models.py.
F32, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def _io(name: str, element: int, dims: list | None) -> onnx.ValueInfoProto:
    """dims: ints (fixed), strings (named dims), None entries (unnamed dynamic dims)."""
    return helper.make_tensor_value_info(name, element, dims)


def _const(name: str, values, element: int = F32) -> onnx.TensorProto:
    array = np.asarray(values, dtype=np.int64 if element == I64 else np.float32)
    return numpy_helper.from_array(array, name)


def _graph(name, nodes, inputs, outputs, inits=()) -> onnx.GraphProto:
    return helper.make_graph(nodes, name, inputs, outputs, list(inits))


def _unary(name, nodes, x_dims, y_dims, element=F32, y_element=None, inits=()):
    return _graph(
        name, nodes, [_io("x", element, x_dims)], [_io("y", y_element or element, y_dims)], inits
    )


def state(batch: str | None = "batch") -> onnx.GraphProto:
    """x[B,4], state[2,B,3] -> y = x + sum(state over axes 0, 2) per row, new_state = state +
    sum(x) per row. B is a batch name (state's batch axis is 1) or, with batch=None, unnamed
    (state[2,?,3]: ambiguous)."""
    return _graph(
        "state" if batch else "state_unnamed",
        [
            helper.make_node("ReduceSum", ["state", "axes02"], ["s"], keepdims=0),
            helper.make_node("Unsqueeze", ["s", "axis1"], ["s1"]),
            helper.make_node("Add", ["x", "s1"], ["y"]),
            helper.make_node("ReduceSum", ["x", "axis1"], ["xs"], keepdims=0),
            helper.make_node("Unsqueeze", ["xs", "axes02"], ["xs3"]),
            helper.make_node("Add", ["state", "xs3"], ["new_state"]),
        ],
        [_io("x", F32, [batch, 4]), _io("state", F32, [2, batch, 3])],
        [_io("y", F32, [batch, 4]), _io("new_state", F32, [2, batch, 3])],
        [_const("axes02", [0, 2], I64), _const("axis1", [1], I64)],
    )


def rank0() -> onnx.GraphProto:
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


def matmul() -> onnx.GraphProto:
    """x[N,4] @ w[4,3] -> y[N,3]: w all fixed, fed as a constant."""
    return _graph(
        "matmul",
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [_io("x", F32, ["n", 4]), _io("w", F32, [4, 3])],
        [_io("y", F32, ["n", 3])],
    )


def fixed4() -> onnx.GraphProto:
    """x[4,6] -> y[4,2] = x @ W + 1: a fixed batch of exactly 4 rows."""
    weights = np.arange(12, dtype=np.float32).reshape(6, 2) / 10 - 0.5
    return _graph(
        "fixed4",
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "one"], ["y"]),
        ],
        [_io("x", F32, [4, 6])],
        [_io("y", F32, [4, 2])],
        [_const("W", weights), _const("one", 1.0)],
    )


def transpose() -> onnx.GraphProto:
    """x[N,3] -> y[3,N]: the output's batch axis is 1 (it holds the batch name)."""
    node = helper.make_node("Transpose", ["x"], ["y"], perm=[1, 0])
    return _unary("transpose", [node], ["n", 3], [3, "n"])


def gap() -> onnx.GraphProto:
    """x[N,3,H,W] -> GlobalAveragePool -> y[N,3,1,1]: rows of any H, W."""
    node = helper.make_node("GlobalAveragePool", ["x"], ["y"])
    return _unary("gap", [node], ["n", 3, "h", "w"], ["n", 3, 1, 1])


def seq_sum() -> onnx.GraphProto:
    """x int64[N,seq] -> y int64[N] = sum over seq: rows of any length."""
    node = helper.make_node("ReduceSum", ["x", "axis1"], ["y"], keepdims=0)
    return _unary(
        "seq_sum", [node], ["n", "seq"], ["n"], element=I64, inits=[_const("axis1", [1], I64)]
    )


def nested(rows: int, cols: int) -> onnx.GraphProto:
    """x[N,rows,cols] -> y[N,rows]: each inner row's sum (a misread layout shows)."""
    node = helper.make_node("ReduceSum", ["x", "axis2"], ["y"], keepdims=0)
    return _unary(
        f"nested{rows}{cols}",
        [node],
        ["n", rows, cols],
        ["n", rows],
        inits=[_const("axis2", [2], I64)],
    )


def argmax_batch() -> onnx.GraphProto:
    """x[N,10] -> ArgMax over axis 0 -> int64[10]: no per-row axis."""
    node = helper.make_node("ArgMax", ["x"], ["y"], axis=0, keepdims=0)
    return _unary("argmax_batch", [node], ["n", 10], [10], y_element=I64)


def reduce_all() -> onnx.GraphProto:
    """x[N,4] -> ReduceSum over everything -> rank 0."""
    node = helper.make_node("ReduceSum", ["x"], ["y"], keepdims=0)
    return _unary("reduce_all", [node], ["n", 4], [])


def constant() -> onnx.GraphProto:
    """No inputs: Constant -> y[2,3]."""
    value = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5, "v")
    return _graph(
        "constant",
        [helper.make_node("Constant", [], ["y"], value=value)],
        [],
        [_io("y", F32, [2, 3])],
    )


def scalars_only() -> onnx.GraphProto:
    """a float[], b float[] -> y float[] = a * b: only rank-0 inputs."""
    return _graph(
        "scalars_only",
        [helper.make_node("Mul", ["a", "b"], ["y"])],
        [_io("a", F32, []), _io("b", F32, [])],
        [_io("y", F32, [])],
    )


def concat_batch() -> onnx.GraphProto:
    """x[N,3] -> Concat(x, x) along axis 0 -> y[?,3]: 2N rows at run time."""
    node = helper.make_node("Concat", ["x", "x"], ["y"], axis=0)
    return _unary("concat_batch", [node], ["n", 3], [None, 3])


def unique() -> onnx.GraphProto:
    """x[N] -> Unique -> y[?]: as many values as distinct ones, sorted, not one per row."""
    return _unary("unique", [helper.make_node("Unique", ["x"], ["y"])], ["n"], [None])


def two_batch_names() -> onnx.GraphProto:
    """p[a,4], q[b,4], r[a,b]: r holds two batch names (ambiguous)."""
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


def mixed_batch() -> onnx.GraphProto:
    """x[4,6] (fixed batch) beside z[N,6] (dynamic batch): ambiguous."""
    dims = {"x": [4, 6], "z": ["n", 6]}
    return _graph(
        "mixed_batch",
        [helper.make_node("Identity", [n], [f"y_{n}"]) for n in dims],
        [_io(n, F32, d) for n, d in dims.items()],
        [_io(f"y_{n}", F32, d) for n, d in dims.items()],
    )


def positive() -> onnx.GraphProto:
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


CONTRACT_BUILDERS = {
    "state": state,
    "state_unnamed": lambda: state(batch=None),
    "rank0": rank0,
    "matmul": matmul,
    "fixed4": fixed4,
    "transpose": transpose,
    "gap": gap,
    "seq_sum": seq_sum,
    "nested45": lambda: nested(4, 5),
    "nested32": lambda: nested(3, 2),
    "argmax_batch": argmax_batch,
    "reduce_all": reduce_all,
    "constant": constant,
    "scalars_only": scalars_only,
    "concat_batch": concat_batch,
    "unique": unique,
    "two_batch_names": two_batch_names,
    "mixed_batch": mixed_batch,
    "positive": positive,
}


# Graphs only the Python contract tests build (into their temp folder): no Scala suite needs them.
def fixed1_conv() -> onnx.GraphProto:
    """x[1,3,8,8] -> Conv(2 filters 3x3, pads 1) -> y[1,2,8,8]: a batch of exactly one."""
    weights = np.sin(np.arange(54, dtype=np.float32)).reshape(2, 3, 3, 3)
    return _graph(
        "fixed1_conv",
        [helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 1, 1, 1])],
        [_io("x", F32, [1, 3, 8, 8])],
        [_io("y", F32, [1, 2, 8, 8])],
        [_const("W", weights), _const("B", [0.5, -0.5])],
    )


def reduce_batch() -> onnx.GraphProto:
    """x[N,4] -> ReduceSum over axis 0 -> [4]."""
    node = helper.make_node("ReduceSum", ["x", "axis0"], ["y"], keepdims=0)
    return _unary("reduce_batch", [node], ["n", 4], [4], inits=[_const("axis0", [0], I64)])


def fixed_disagree() -> onnx.GraphProto:
    """a[4,2] and b[3,2], both fed by columns: fixed batches disagreeing on N."""
    return _graph(
        "fixed_disagree",
        [helper.make_node("Identity", [n], [f"y_{n}"]) for n in ("a", "b")],
        [_io("a", F32, [4, 2]), _io("b", F32, [3, 2])],
        [_io("y_a", F32, [4, 2]), _io("y_b", F32, [3, 2])],
    )


PYTHON_CONTRACT_BUILDERS = {
    **CONTRACT_BUILDERS,
    "fixed1_conv": fixed1_conv,
    "reduce_batch": reduce_batch,
    "fixed_disagree": fixed_disagree,
}


def external_matmul(folder: Path) -> Path:
    """x float[N,4] @ W[4,3] + b[3] -> y[N,3], W and b in the external data file
    external_matmul.weights beside the model (ONNX Runtime opens it by path)."""
    weights = np.arange(12, dtype=np.float32).reshape(4, 3) / 4 - 1
    graph = _graph(
        "external_matmul",
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["y"]),
        ],
        [_io("x", F32, ["n", 4])],
        [_io("y", F32, ["n", 3])],
        [_const("W", weights), _const("b", [0.5, -0.5, 2.0])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="spark-onnx tests"
    )
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "external_matmul.onnx"
    # onnx appends to an existing data file: start from none, so rebuilding changes nothing.
    (folder / "external_matmul.weights").unlink(missing_ok=True)
    onnx.save_model(
        model,
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="external_matmul.weights",
        size_threshold=0,
    )
    return path


def build_contract(folder: Path) -> None:
    for build in CONTRACT_BUILDERS.values():
        _save(build(), folder)


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
    (args.out / CONTRACT).mkdir(exist_ok=True)
    build_contract(args.out / CONTRACT)
    external_matmul(args.out / EXTERNAL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
