"""The row <-> tensor contract (issue 12): wrong inputs, each with the condition it must give,
through the DataFrame API and SQL. Analysis errors come from onnx_predict and
try_onnx_predict alike; a ragged row fails onnx_predict and is null under try_onnx_predict,
the other rows matching ONNX Runtime run directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from contract_harness import APIS, Bad, assert_condition, f32, per_row, score, table
from contract_harness import floats as _floats
from contract_models import ContractModels, assert_same

from spark_onnx import errors

rng = np.random.default_rng(13)


def floats(*shape) -> np.ndarray:
    return _floats(rng, *shape)


def image(h, w):
    return floats(3, h, w).tolist()


X4, STATE = floats(2, 4), floats(2, 2, 3)
X5, X6, X3 = floats(1, 5), floats(2, 6), floats(5, 3)
W43 = np.arange(12, dtype=np.float32).reshape(4, 3) / 8 - 0.75


RAGGED_6455 = [[1.0] * 6, [1.0] * 4, [1.0] * 5, [1.0] * 5]  # 20 values, not 4 x 5
RAGGED_IMAGE = [floats(4, 4).tolist(), floats(4, 4).tolist(), floats(2, 8).tolist()]


def bad(model, schema, rows, args, condition, at="analysis", nulled=(), expected=None, **kw):
    return Bad(
        model, schema, rows, args, expected, condition=condition, at=at, nulled=set(nulled), **kw
    )


AMBIGUOUS, NOT_PER_ROW = "ONNX_BATCH_AXIS_AMBIGUOUS", "ONNX_OUTPUT_NOT_PER_ROW"
SHAPE, OUT_SHAPE = "ONNX_INPUT_SHAPE_MISMATCH", "ONNX_OUTPUT_SHAPE_MISMATCH"
TWO = [(X4[i].tolist(),) for i in range(2)]

BAD = {
    # R1: r[a,b] holds two batch names.
    "two_batch_names_in_one_input": bad(
        "two_batch_names",
        "p ARRAY<FLOAT>, q ARRAY<FLOAT>, r ARRAY<FLOAT>",
        [(X4[0].tolist(), X4[1].tolist(), [1.0])],
        ["p", "q", "r"],
        AMBIGUOUS,
    ),
    # R4: x[4,6] beside z[N,6]; fixed batches disagreeing; state[2,?,3] beside x[?,4].
    "fixed_batch_beside_dynamic_batch": bad(
        "mixed_batch",
        "x ARRAY<FLOAT>, z ARRAY<FLOAT>",
        [(X6[0].tolist(), X6[1].tolist())],
        ["x", "z"],
        AMBIGUOUS,
    ),
    "fixed_batches_disagree_on_n": bad(
        "fixed_disagree",
        "a ARRAY<FLOAT>, b ARRAY<FLOAT>",
        [([1.0, 2.0], [3.0, 4.0])],
        ["a", "b"],
        AMBIGUOUS,
    ),
    "unnamed_dynamic_dim_behind_fixed_dim": bad(
        "state_unnamed",
        "x ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>",
        [(X4[0].tolist(), STATE[0].tolist())],
        ["x", "state"],
        AMBIGUOUS,
    ),
    # R3/R4: w[4,3] from a column is a fixed batch of 4 beside x's dynamic batch.
    "all_fixed_input_from_a_column": bad(
        "matmul",
        "x ARRAY<FLOAT>, w ARRAY<FLOAT>",
        [(X4[0].tolist(), W43[0].tolist())],
        ["x", "w"],
        AMBIGUOUS,
    ),
    # R3: a rank-0 input takes a constant only.
    "rank0_scale_from_a_column": bad(
        "rank0",
        "x ARRAY<FLOAT>, s FLOAT",
        [(X5[0].tolist(), 2.5)],
        ["x", "s", "3L"],
        "ONNX_INPUT_NOT_CONSTANT",
    ),
    "rank0_k_from_a_column": bad(
        "rank0",
        "x ARRAY<FLOAT>, k BIGINT",
        [(X5[0].tolist(), 3)],
        ["x", "2.5F", "k"],
        "ONNX_INPUT_NOT_CONSTANT",
    ),
    # R5: no input carries rows.
    "no_inputs_batched": bad("constant", "", [()], [], "ONNX_NO_ROW_INPUT"),
    "only_constant_inputs_batched": bad(
        "scalars_only", "", [()], ["2.0F", "3.0F"], "ONNX_NO_ROW_INPUT"
    ),
    # Outputs with a fixed leading dim while the batch is dynamic, or rank 0.
    "argmax_over_batch_batched": bad(
        "argmax_batch", "x ARRAY<FLOAT>", [(floats(10).tolist(),)], ["x"], NOT_PER_ROW
    ),
    "reduce_over_batch_batched": bad("reduce_batch", "x ARRAY<FLOAT>", TWO, ["x"], NOT_PER_ROW),
    "rank0_output_batched": bad("reduce_all", "x ARRAY<FLOAT>", TWO, ["x"], NOT_PER_ROW),
    # Outputs whose batch axis holds another count than the run's rows, at run time.
    "concat_doubles_the_batch": bad(
        "concat_batch",
        "x ARRAY<FLOAT>",
        [(r.tolist(),) for r in X3],
        ["x"],
        OUT_SHAPE,
        "run",
        partitions=1,
    ),
    "unique_drops_rows": bad(
        "unique", "x FLOAT", [(5.0,)] * 4, ["x"], OUT_SHAPE, "run", partitions=1
    ),
    # As many distinct values as rows: the count fits, but Unique sorts them, so each row would
    # get another row's value; a run of the first row alone gives it away.
    "unique_sorts_rows_same_count": bad(
        "unique",
        "x FLOAT",
        [(3.0,), (1.0,), (2.0,)],
        ["x"],
        "ONNX_OUTPUT_MIXES_ROWS",
        "run",
        partitions=1,
    ),
    # Ragged nested rows, even when the element count fits.
    "ragged_6_4_5_5_into_4x5": bad(
        "nested45",
        "x ARRAY<ARRAY<FLOAT>>",
        [(floats(4, 5).tolist(),), (RAGGED_6455,), (floats(4, 5).tolist(),)],
        ["x"],
        SHAPE,
        "run",
        nulled=[1],
        expected=per_row("nested45", lambda r: {"x": f32(r[0])[None]}),
        partitions=1,
    ),
    "ragged_2_1_3_into_3x2": bad(
        "nested32",
        "x ARRAY<ARRAY<FLOAT>>",
        [([[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]],), ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],)],
        ["x"],
        SHAPE,
        "run",
        nulled=[0],
        expected=per_row("nested32", lambda r: {"x": f32(r[0])[None]}),
        partitions=1,
    ),
    "ragged_image_channels": bad(
        "gap",
        "x ARRAY<ARRAY<ARRAY<FLOAT>>>",
        [(image(4, 4),), (RAGGED_IMAGE,)],
        ["x"],
        SHAPE,
        "run",
        nulled=[1],
        expected=per_row("gap", lambda r: {"x": f32(r[0])[None]}),
        partitions=1,
    ),
}


@pytest.fixture(scope="module")
def models(spark, tmp_path_factory):
    return ContractModels(spark, tmp_path_factory.mktemp("contract_errors"))


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("key", BAD)
def test_wrong_input_gives_condition(spark, models, key, api):
    case = BAD[key]
    name = models.use(case.model)
    frame = table(spark, key, case)
    analysis = case.at == "analysis"
    for function in ["onnx_predict", "try_onnx_predict"] if analysis else ["onnx_predict"]:
        with pytest.raises(Exception) as caught:
            score(spark, key, case, frame, name, function, api)
        assert_condition(caught.value, case.condition, analysis)
    if case.nulled:
        out = score(spark, key, case, frame, name, "try_onnx_predict", api)
        for i, (got, row) in enumerate(zip(out, case.rows)):
            if i in case.nulled:
                assert got is None, f"row {i}: {got}"
            else:
                assert_same(got, case.expected(models, row))


CONTRACT_CONDITIONS = [
    "ONNX_BATCH_AXIS_AMBIGUOUS",
    "ONNX_INPUT_NOT_CONSTANT",
    "ONNX_NO_ROW_INPUT",
    "ONNX_OUTPUT_NOT_PER_ROW",
    "ONNX_OUTPUT_SHAPE_MISMATCH",
]


def test_contract_conditions_have_typed_python_errors():
    """Python maps every condition to a spark_onnx.errors type; without one, a run-time
    condition PySpark does not know reaches the user as a raw Py4JJavaError."""
    missing = [c for c in CONTRACT_CONDITIONS if c not in errors.CONDITIONS]
    assert not missing, f"not in spark_onnx.errors.CONDITIONS: {missing}"
