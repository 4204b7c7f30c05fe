"""The query shapes people write around onnx_predict (issue 12), through SQL and the DataFrame
API: an aggregate, GROUP BY an argmax, ORDER BY a score LIMIT 10, a join condition, a window,
`WHERE guard AND prediction`, VALUES / local data. Expected values: ONNX Runtime run directly,
finished in numpy. Every shape's plan shows `OnnxEval`; EXPLAIN over VALUES runs no model.
Plus whole-call mode stepping a stateful model through two chunks in one query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
import pytest
from contract_harness import APIS, WHOLE_CALL_SQL, f32
from contract_models import ContractModels, assert_same
from pyspark.sql import Window
from pyspark.sql import functions as F

from conftest import DIGITS
from spark_onnx.functions import onnx_predict

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
CLASSES_SQL = "(VALUES " + ", ".join(f"({i}, '{n}')" for i, n in enumerate(NAMES)) + ")"
LOCAL = [np.full(64, 0.25, np.float32), np.arange(64, dtype=np.float32) / 16]
VALUES_SQL = (
    "SELECT id, onnx_predict('digits', pixels) AS p FROM VALUES "
    + ", ".join(
        f"({i}, array({', '.join(f'{v}F' for v in x.tolist())}))" for i, x in enumerate(LOCAL)
    )
    + " AS t(id, pixels)"
)
GUARDED = [[1.0, 2.0, -1.0, 0.5], [1.0, 2.0, 3.0], [-4.0, 1.0, 1.0, 1.0], [0.0] * 4, [9.0]]


@dataclass
class Shape:
    sql: str
    frame: Callable  # (spark, model name of c_positive) -> DataFrame
    expected: Callable  # (ref) -> list of tuples
    ordered: bool = False


def digits(spark):
    return spark.table("digits_test")


def argmax(p):
    return F.array_position(p, F.array_max(p)) - 1


def p_digits():
    return onnx_predict("digits", "pixels")


def window_means(ref):
    probs, labels = ref["probs"], ref["labels"]
    true_class = probs[np.arange(len(labels)), labels].astype(np.float64)
    means = {k: true_class[labels == k].mean() for k in set(labels.tolist())}
    return [(i, means[k]) for i, k in enumerate(labels.tolist())]


SHAPES = {
    "aggregate": Shape(
        "SELECT sum(onnx_predict('digits', pixels)[0]) AS v FROM digits_test",
        lambda s, _: digits(s).agg(F.sum(p_digits()[0]).alias("v")),
        lambda ref: [(ref["probs"][:, 0].astype(np.float64).sum(),)],
    ),
    "group_by_argmax": Shape(
        "SELECT array_position(onnx_predict('digits', pixels), "
        "array_max(onnx_predict('digits', pixels))) - 1 AS cls, count(*) AS n "
        "FROM digits_test GROUP BY cls",
        lambda s, _: digits(s).groupBy(argmax(p_digits()).alias("cls")).count(),
        lambda ref: sorted(Counter(ref["probs"].argmax(axis=1).tolist()).items()),
    ),
    "order_by_score_limit": Shape(
        "SELECT id FROM digits_test ORDER BY onnx_predict('digits', pixels)[3] DESC, id LIMIT 10",
        lambda s, _: digits(s).orderBy(p_digits()[3].desc(), "id").limit(10).select("id"),
        lambda ref: [(int(i),) for i in np.lexsort((ref["ids"], -ref["probs"][:, 3]))[:10]],
        ordered=True,
    ),
    "join_condition": Shape(
        f"SELECT t.id, c.name FROM digits_test t JOIN {CLASSES_SQL} AS c(cls, name) "
        "ON onnx_predict('digits', t.pixels)[c.cls] > 0.5",
        lambda s, _: (
            digits(s)
            .alias("t")
            .join(
                s.createDataFrame(list(enumerate(NAMES)), "cls INT, name STRING").alias("c"),
                onnx_predict("digits", "t.pixels")[F.col("c.cls")] > 0.5,
            )
            .select("t.id", "c.name")
        ),
        lambda ref: [(int(i), NAMES[k]) for i, k in zip(*np.nonzero(ref["probs"] > 0.5))],
    ),
    "window": Shape(
        "SELECT id, avg(onnx_predict('digits', pixels)[label]) "
        "OVER (PARTITION BY label) AS m FROM digits_test",
        lambda s, _: digits(s).select(
            "id", F.avg(p_digits()[F.col("label")]).over(Window.partitionBy("label")).alias("m")
        ),
        window_means,
    ),
    "where_guard_and_prediction": Shape(
        "SELECT id FROM guarded WHERE size(x) = 4 AND onnx_predict('c_positive', x)",
        lambda s, name: (
            s.table("guarded").where((F.size("x") == 4) & onnx_predict(name, "x")).select("id")
        ),
        lambda ref: [(i,) for i in ref["positive_ids"]],
    ),
    "values_local_data": Shape(
        VALUES_SQL,
        lambda s, _: s.createDataFrame(
            [(i, x.tolist()) for i, x in enumerate(LOCAL)], "id INT, pixels ARRAY<FLOAT>"
        ).select("id", onnx_predict("digits", "pixels").alias("p")),
        lambda ref: [(i, ref["local"][i]) for i in range(len(LOCAL))],
    ),
}


@pytest.fixture(scope="module")
def models(spark, tmp_path_factory):
    return ContractModels(spark, tmp_path_factory.mktemp("contract_queries"))


@pytest.fixture(scope="module")
def ref(spark, models, digits_frame, digits_test, digits_direct):
    """Tables and ORT's answers: digits_test (from conftest) and `guarded` (rows a guard keeps
    away from the model: x of 3 and 1 values)."""
    models.use("positive")
    rows = list(enumerate(GUARDED))
    spark.createDataFrame(rows, "id INT, x ARRAY<FLOAT>").coalesce(1).createOrReplaceTempView(
        "guarded"
    )
    good = [i for i, x in rows if len(x) == 4]
    positive = models.run("positive", {"x": f32([GUARDED[i] for i in good])})["y"]
    digits_session = ort.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    return {
        "probs": digits_direct,
        "labels": digits_test[1],
        "ids": np.arange(len(digits_direct)),
        "positive_ids": [i for i, keep in zip(good, positive) if keep],
        "local": digits_session.run(None, {"pixels": np.stack(LOCAL)})[0],
    }


def query(spark, shape: Shape, api: str):
    if api == "sql":
        return spark.sql(shape.sql)
    return shape.frame(spark, "c_positive")


def same_rows(actual: list, expected: list, ordered: bool) -> None:
    actual = [tuple(r) for r in actual]
    if not ordered:  # the first column is a key in every shape
        actual, expected = sorted(actual, key=lambda r: r[0]), sorted(expected, key=lambda r: r[0])
    assert len(actual) == len(expected), (len(actual), len(expected))
    for got, want in zip(actual, expected):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            if isinstance(w, (float, np.floating, np.ndarray)):
                np.testing.assert_allclose(np.asarray(g, np.float64), w, rtol=1e-5, atol=1e-6)
            else:
                assert g == w, (got, want)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("key", SHAPES)
def test_query_shape_matches_onnxruntime(spark, ref, key, api):
    shape = SHAPES[key]
    same_rows(query(spark, shape, api).collect(), shape.expected(ref), shape.ordered)


@pytest.mark.parametrize("key", SHAPES)
def test_query_shape_plan_shows_onnx_eval(spark, ref, key):
    shape = SHAPES[key]
    explained = spark.sql(f"EXPLAIN {shape.sql}").first()[0]
    assert "OnnxEval" in explained, explained
    plan = shape.frame(spark, "c_positive")._jdf.queryExecution().executedPlan().toString()
    assert "OnnxEval" in plan, plan


def session_runs(spark) -> int:
    """ORT runs in every executor JVM (on local-cluster a one-row query reaches only one)."""
    return (
        spark.sql(
            "SELECT sum(r) AS r FROM (SELECT s.executorId, max(s.sessionRuns) AS r FROM "
            "(SELECT onnx_runtime_stats() AS s FROM range(0, 64, 1, 16)) GROUP BY s.executorId)"
        )
        .first()
        .r
    )


def test_explain_over_values_runs_no_model(spark, ref):
    before = session_runs(spark)
    for mode in ("", "EXTENDED ", "FORMATTED "):
        spark.sql(f"EXPLAIN {mode}{VALUES_SQL}").collect()
    SHAPES["values_local_data"].frame(spark, None)._jdf.queryExecution().executedPlan()
    assert session_runs(spark) == before
    spark.sql(VALUES_SQL).collect()  # the counter does count this query's runs
    assert session_runs(spark) > before


@pytest.mark.parametrize("api", APIS)
def test_whole_call_steps_a_state_through_chunks(spark, models, api):
    """Each row holds one sequence's two chunks and its initial state; step 2 takes step 1's
    new_state, all in one query: the same as ORT stepping directly."""
    name = models.use("state")
    rng = np.random.default_rng(14)
    rows = []
    for i, m in enumerate([2, 3, 1]):
        x1, x2 = rng.normal(size=(2, m, 4)).astype(np.float32)
        rows.append((i, x1.tolist(), x2.tolist(), rng.normal(size=(2, m, 3)).tolist()))
    frame = spark.createDataFrame(
        rows,
        "id INT, x1 ARRAY<ARRAY<FLOAT>>, x2 ARRAY<ARRAY<FLOAT>>, s0 ARRAY<ARRAY<ARRAY<FLOAT>>>",
    )
    if api == "sql":
        frame.createOrReplaceTempView("chunks")
        scored = spark.sql(
            f"SELECT id, onnx_predict('{name}', x2, onnx_predict('{name}', x1, s0, "
            f"{WHOLE_CALL_SQL}).new_state, {WHOLE_CALL_SQL}) AS o FROM chunks"
        )
    else:
        step1 = onnx_predict(name, "x1", "s0", whole_call=True)
        step2 = onnx_predict(name, "x2", step1.getField("new_state"), whole_call=True)
        scored = frame.select("id", step2.alias("o"))
    out = {r.id: r.o for r in scored.collect()}
    assert sorted(out) == [0, 1, 2]
    for i, x1, x2, s0 in rows:
        first = models.run("state", {"x": f32(x1), "state": f32(s0)})
        second = models.run("state", {"x": f32(x2), "state": first["new_state"]})
        assert_same(out[i], second)


def test_a_row_larger_than_the_byte_cap_runs_alone(spark, models):
    """Rows of a dynamic dim count against spark.onnx.batchMaxBytes as they arrive: the rows
    before a row that would pass the cap run first, and a row larger than the cap runs alone."""
    name = models.use("seq_sum")
    lengths = [10, 10, 500, 10]  # int64: 80, 80, 4000, 80 bytes; the cap below is 1024
    rows = [(i, list(range(n))) for i, n in enumerate(lengths)]
    frame = spark.createDataFrame(rows, "id INT, x ARRAY<BIGINT>").coalesce(1)
    spark.conf.set("spark.onnx.batchMaxBytes", "1024")
    try:
        before = session_runs(spark)
        # No ORDER BY: its range partitioner would sample the rows, scoring them twice.
        got = sorted(frame.select("id", onnx_predict(name, "x").alias("y")).collect())
        runs = session_runs(spark) - before
    finally:
        spark.conf.unset("spark.onnx.batchMaxBytes")
    assert [r.y for r in got] == [sum(range(n)) for n in lengths]
    assert runs == 3, runs  # [10, 10], [500] alone, [10]
