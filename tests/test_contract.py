"""The row <-> tensor contract (issue 12), table-driven: one row per (model, inputs, expected).
Every case runs through the DataFrame API and through SQL, against ONNX Runtime run directly on
the same inputs (per row: the row alone, as a batch of one; whole-call mode: the row's full
tensors). Models: tests/contract_models.py; wrong inputs: test_contract_errors.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from contract_harness import APIS, Case, f32, per_row, score, table, whole
from contract_harness import floats as _floats
from contract_models import ContractModels, assert_same

rng = np.random.default_rng(12)


def floats(*shape) -> np.ndarray:
    return _floats(rng, *shape)


def padded_to_4(models, row):
    batch = np.zeros((4, 6), np.float32)
    batch[0] = row[0]
    return {"y": models.run("fixed4", {"x": batch})["y"][0]}


def image(h, w):
    return floats(3, h, w).tolist()


X4, STATE = floats(5, 4), floats(5, 2, 3)
X5, X6, X3 = floats(6, 5), floats(10, 6), floats(5, 3)
W43 = np.arange(12, dtype=np.float32).reshape(4, 3) / 8 - 0.75
W_NESTED = (
    "array(" + ", ".join("array(" + ", ".join(f"{v}F" for v in r) + ")" for r in W43.tolist()) + ")"
)
W_FLAT = "array(" + ", ".join(f"{v}F" for v in W43.ravel().tolist()) + ")"
TOKENS = [rng.integers(-50, 50, size=n).tolist() for n in (3, 7, 1, 7, 7, 4, 1)]
SIZES = [(5, 4), (5, 4), (3, 7), (5, 4), (2, 2), (3, 7), (9, 1)]
CHUNKS = [2, 3, 1]

state_row = per_row(
    "state",
    lambda r: {"x": f32(r[0])[None], "state": f32(r[1]).reshape(2, 1, 3)},
    {"new_state": 1},
)
rank0_row = per_row(
    "rank0",
    lambda r: {"x": f32(r[0])[None], "scale": f32(2.5), "k": np.array(3, np.int64)},
)
matmul_row = per_row("matmul", lambda r: {"x": f32(r[0])[None], "w": W43})

CASES = {
    # R1: x's batch axis is 0, state's is 1 (the batch name sits there).
    "state_nested": Case(
        "state",
        "x ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>",
        [(X4[i].tolist(), STATE[i].tolist()) for i in range(5)],
        ["x", "state"],
        state_row,
    ),
    "state_flat": Case(
        "state",
        "x ARRAY<FLOAT>, state ARRAY<FLOAT>",
        [(X4[i].tolist(), STATE[i].ravel().tolist()) for i in range(5)],
        ["x", "state"],
        state_row,
    ),
    # R3: rank-0 inputs take constants, fed once per run.
    "rank0_literals": Case(
        "rank0", "x ARRAY<FLOAT>", [(r.tolist(),) for r in X5], ["x", "2.5F", "3L"], rank0_row
    ),
    "rank0_foldable": Case(
        "rank0",
        "x ARRAY<FLOAT>",
        [(r.tolist(),) for r in X5],
        ["x", "CAST(1.0 AS FLOAT) + CAST(1.5 AS FLOAT)", "CAST(2 AS BIGINT) + 1"],
        rank0_row,
    ),
    # R3: an all-fixed input given a constant is the whole tensor.
    "matmul_w_nested": Case(
        "matmul", "x ARRAY<FLOAT>", [(r.tolist(),) for r in X4], ["x", W_NESTED], matmul_row
    ),
    "matmul_w_flat": Case(
        "matmul", "x ARRAY<FLOAT>", [(r.tolist(),) for r in X4], ["x", W_FLAT], matmul_row
    ),
    # R4: exactly 4 rows a run; 10 rows in 3 partitions: full batches and padded ones.
    "fixed4_10_rows_3_partitions": Case(
        "fixed4", "x ARRAY<FLOAT>", [(r.tolist(),) for r in X6], ["x"], padded_to_4, 3
    ),
    "fixed1_conv_nested": Case(
        "fixed1_conv",
        "x ARRAY<ARRAY<ARRAY<FLOAT>>>",
        [(image(8, 8),) for _ in range(3)],
        ["x"],
        per_row("fixed1_conv", lambda r: {"x": f32(r[0])[None]}),
    ),
    "fixed1_conv_flat": Case(
        "fixed1_conv",
        "x ARRAY<FLOAT>",
        [(floats(192).tolist(),) for _ in range(3)],
        ["x"],
        per_row("fixed1_conv", lambda r: {"x": f32(r[0]).reshape(1, 3, 8, 8)}),
    ),
    # Outputs: the batch name at axis 1 of y[3,N] makes axis 1 the batch axis.
    "transpose_split_on_axis_1": Case(
        "transpose",
        "x ARRAY<FLOAT>",
        [(r.tolist(),) for r in X3],
        ["x"],
        per_row("transpose", lambda r: {"x": f32(r[0])[None]}, {"y": 1}),
    ),
    # Rows whose dynamic dims differ run as runs of equal shape, results in input order.
    "images_of_different_sizes_one_partition": Case(
        "gap",
        "x ARRAY<ARRAY<ARRAY<FLOAT>>>",
        [(image(h, w),) for h, w in SIZES],
        ["x"],
        per_row("gap", lambda r: {"x": f32(r[0])[None]}),
        partitions=1,
    ),
    "token_ids_of_different_lengths_one_partition": Case(
        "seq_sum",
        "x ARRAY<BIGINT>",
        [(t,) for t in TOKENS],
        ["x"],
        per_row("seq_sum", lambda r: {"x": np.array([r[0]], np.int64)}),
        partitions=1,
    ),
    "nested45_rectangular": Case(
        "nested45",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(4, 5).tolist(),) for _ in range(3)],
        ["x"],
        per_row("nested45", lambda r: {"x": f32(r[0])[None]}),
    ),
    "nested45_flat": Case(
        "nested45",
        "x ARRAY<FLOAT>",
        [(floats(20).tolist(),) for _ in range(3)],
        ["x"],
        per_row("nested45", lambda r: {"x": f32(r[0]).reshape(1, 4, 5)}),
    ),
    "nested32_rectangular": Case(
        "nested32",
        "x ARRAY<ARRAY<FLOAT>>",
        [([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],), (floats(3, 2).tolist(),)],
        ["x"],
        per_row("nested32", lambda r: {"x": f32(r[0])[None]}),
    ),
    # Whole-call mode: each row is one complete invocation with full tensors.
    "whole_argmax_over_batch": Case(
        "argmax_batch",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(m, 10).tolist(),) for m in (3, 5, 1, 4)],
        ["x"],
        whole("argmax_batch", lambda r: {"x": f32(r[0])}),
        whole_call=True,
    ),
    "whole_reduce_over_batch": Case(
        "reduce_batch",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(m, 4).tolist(),) for m in (2, 6)],
        ["x"],
        whole("reduce_batch", lambda r: {"x": f32(r[0])}),
        whole_call=True,
    ),
    "whole_reduce_to_scalar": Case(
        "reduce_all",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(m, 4).tolist(),) for m in (2, 6)],
        ["x"],
        whole("reduce_all", lambda r: {"x": f32(r[0])}),
        whole_call=True,
    ),
    "whole_no_inputs": Case(
        "constant", "", [(), ()], [], whole("constant", lambda r: {}), whole_call=True
    ),
    "whole_rank0_columns": Case(
        "scalars_only",
        "a FLOAT, b FLOAT",
        [(1.5, -2.0), (0.25, 8.0)],
        ["a", "b"],
        whole("scalars_only", lambda r: {"a": f32(r[0]), "b": f32(r[1])}),
        whole_call=True,
    ),
    "whole_state_chunks": Case(
        "state",
        "x ARRAY<ARRAY<FLOAT>>, state ARRAY<ARRAY<ARRAY<FLOAT>>>",
        [(floats(m, 4).tolist(), floats(2, m, 3).tolist()) for m in CHUNKS],
        ["x", "state"],
        whole("state", lambda r: {"x": f32(r[0]), "state": f32(r[1])}),
        whole_call=True,
    ),
    "whole_transpose": Case(
        "transpose",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(m, 3).tolist(),) for m in (1, 4)],
        ["x"],
        whole("transpose", lambda r: {"x": f32(r[0])}),
        whole_call=True,
    ),
}


@pytest.fixture(scope="module")
def models(spark, tmp_path_factory):
    return ContractModels(spark, tmp_path_factory.mktemp("contract"))


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("key", CASES)
def test_rule_matches_onnxruntime(spark, models, key, api):
    case = CASES[key]
    name = models.use(case.model)
    frame = table(spark, key, case)
    out = score(spark, key, case, frame, name, "onnx_predict", api)
    assert len(out) == len(case.rows)
    for got, row in zip(out, case.rows):
        assert_same(got, case.expected(models, row))
