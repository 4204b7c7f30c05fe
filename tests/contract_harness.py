"""The harness of the contract tables (test_contract*.py): a case is a model, a table of rows,
the call's arguments and what ONNX Runtime run directly says; `score` runs the call through
the DataFrame API or SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pyspark.errors import AnalysisException, PySparkException
from pyspark.sql import functions as F

from spark_onnx import functions

APIS = ["dataframe", "sql"]
WHOLE_CALL_SQL = "map('wholeCall', 'true')"


def f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def floats(rng: np.random.Generator, *shape) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32)


@dataclass
class Case:
    model: str
    schema: str  # the table's columns after `id INT`
    rows: list  # one tuple of column values per row
    args: list  # SQL text per argument: a column name, or a constant expression
    expected: Callable | None  # (models, row) -> {output: value}: ORT on that row's inputs
    partitions: int = 2
    whole_call: bool = False


@dataclass
class Bad(Case):
    condition: str = ""
    at: str = "analysis"  # or "run"
    nulled: set = field(default_factory=set)  # rows try_onnx_predict nulls (the others match)


def per_row(model: str, feeds: Callable, axes: dict | None = None) -> Callable:
    """ORT on one row: `feeds(row)` gives batch-of-one tensors; each output's row is index 0
    along its batch axis (`axes`, default 0)."""

    def expected(models, row):
        out = models.run(model, feeds(row))
        return {k: np.take(v, 0, axis=(axes or {}).get(k, 0)) for k, v in out.items()}

    return expected


def whole(model: str, feeds: Callable) -> Callable:
    """ORT on the row's full tensors (whole-call mode): every output as it comes."""
    return lambda models, row: models.run(model, feeds(row))


def table(spark, key: str, case: Case):
    """The case's rows as view `contract_<key>`, in exactly `case.partitions` partitions, rows
    in order within each."""
    schema = "id INT" + (f", {case.schema}" if case.schema else "")
    rdd = spark.sparkContext.parallelize(
        [(i, *row) for i, row in enumerate(case.rows)], case.partitions
    )
    frame = spark.createDataFrame(rdd, schema)
    frame.createOrReplaceTempView(f"contract_{key}")
    return frame


def score(spark, key: str, case: Case, frame, name: str, function: str, api: str) -> list:
    """`function(name, args...)` per row, in row order, through the DataFrame API or SQL."""
    if api == "sql":
        call = ", ".join([f"'{name}'", *case.args, *([WHOLE_CALL_SQL] if case.whole_call else [])])
        rows = spark.sql(f"SELECT id, {function}({call}) AS out FROM contract_{key}").collect()
    else:
        inputs = [a if a in frame.columns else F.expr(a) for a in case.args]
        keywords = {"whole_call": True} if case.whole_call else {}
        call = getattr(functions, function)(name, *inputs, **keywords)
        rows = frame.select("id", call.alias("out")).collect()
    return [r.out for r in sorted(rows, key=lambda r: r.id)]


def assert_condition(error: BaseException, condition: str, analysis: bool) -> None:
    """A Spark condition (not a raw Py4J/JVM error) with the given name; analysis errors are
    AnalysisExceptions. (That each condition has a spark_onnx.errors type is checked once, in
    test_contract_errors.py.)"""
    text = str(error)[:800]
    assert isinstance(error, PySparkException), f"not a Spark condition: {type(error)}: {text}"
    assert error.getCondition() == condition, text
    if analysis:
        assert isinstance(error, AnalysisException), f"{type(error)}: {text}"
