"""Scenario 5, query shapes: the MLP of scenario 1 (same model, same rows) called inside an
aggregate, a GROUP BY key and an ORDER BY key, against the plain projection.

spark-onnx batches a call by planning it into its own operator (OnnxEval); a call left inside
another operator (HashAggregate, Sort) runs row by row. Each query form is timed for b
(onnx_predict in SQL) and c (predict_batch_udf + onnxruntime in the same shape of query), and
the report records whether b's executed plan contains OnnxEval.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, FloatType

from benchmarks import udfs
from benchmarks.scenarios.common import CheckFailed, SparkContender, main, require_close
from benchmarks.scenarios.mlp import BATCH, Mlp

CALL = "onnx_predict('digits', pixels)"
TOP = 10  # rows the ORDER BY form keeps


@dataclass(frozen=True)
class Form:
    name: str
    description: str
    sql: str  # b's query; c runs the same shape with predict_batch_udf


# The projection is timed as `SELECT onnx_predict(...) AS p FROM bench` through the noop sink
# (the id is there for the check and pruned from the timed query); every other form's whole
# result goes through the noop sink as well.
FORMS = (
    Form("projection", "projection", f"SELECT id, {CALL} AS p FROM bench"),
    Form("sum", "sum over a call", f"SELECT sum({CALL}[0]) AS total FROM bench"),
    Form(
        "group",
        "GROUP BY a column computed from a call",
        "SELECT array_position(p, array_max(p)) AS cls, count(*) AS n "
        f"FROM (SELECT {CALL} AS p FROM bench) GROUP BY cls",
    ),
    # The key is the decile of the top probability rather than the top probability itself:
    # that has ~680,000 distinct values in 1M rows, and hashing that many groups would cost
    # more than the model, whichever way the model runs.
    Form(
        "group_key",
        "GROUP BY key containing the call",
        f"SELECT floor(array_max({CALL}) * 10) AS top, count(*) AS n "
        f"FROM bench GROUP BY floor(array_max({CALL}) * 10)",
    ),
    Form(
        "order",
        f"ORDER BY a call, LIMIT {TOP}",
        f"SELECT id, {CALL}[0] AS s FROM bench ORDER BY s DESC LIMIT {TOP}",
    ),
    # Spark computes the aliased key of `order` (and every GROUP BY key) in a Project below
    # the Sort (the Aggregate), where spark-onnx batches it anyway; a sort key that is not in
    # the select list stays inside the sort, which evaluates it row by row per comparison.
    Form(
        "order_key",
        f"ORDER BY key containing the call, LIMIT {TOP}",
        f"SELECT id FROM bench ORDER BY {CALL}[0] DESC LIMIT {TOP}",
    ),
)
PROJECTION = FORMS[0].name


def batch_udf_queries(df: DataFrame, predicted: Column) -> dict[str, Callable[[], DataFrame]]:
    """c: each form's query with the predict_batch_udf column `predicted` in place of the call."""
    p = F.col("p")
    return {
        "projection": lambda: df.select("id", predicted.alias("p")),
        "sum": lambda: df.select(F.sum(predicted[0]).alias("total")),
        "group": lambda: (
            df.select(predicted.alias("p"))
            .select(F.array_position(p, F.array_max(p)).alias("cls"))
            .groupBy("cls")
            .agg(F.count("*").alias("n"))
        ),
        "group_key": lambda: df.groupBy(F.floor(F.array_max(predicted) * 10).alias("top")).agg(
            F.count("*").alias("n")
        ),
        "order": lambda: df.select("id", predicted[0].alias("s")).orderBy(F.desc("s")).limit(TOP),
        "order_key": lambda: df.orderBy(predicted[0].desc()).select("id").limit(TOP),
    }


class Aggregate(Mlp):
    name = "aggregate"
    title = "MLP (models/digits.onnx) in projections, aggregates, GROUP BY and ORDER BY"
    ceiling_label = f"onnxruntime on numpy (projection), batch {BATCH}, 2 threads, 1 session"
    _reference: np.ndarray | None = None

    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        predicted = udfs.batch_udf_column(
            self.column,
            str(self.model),
            ArrayType(FloatType()),
            self.batch,
            list(self.row_shape),
            udfs.first_output,
        )
        c_queries = batch_udf_queries(df, predicted)
        c_label = f"predict_batch_udf + onnxruntime, batch {self.batch}"
        found = []
        for form in FORMS:
            whole = form.name != PROJECTION
            found.append(
                SparkContender(
                    f"b_{form.name}",
                    f"onnx_predict, SQL: {form.description}",
                    lambda sql=form.sql: spark.sql(sql),
                    whole,
                )
            )
        for form in FORMS:
            whole = form.name != PROJECTION
            found.append(
                SparkContender(
                    f"c_{form.name}",
                    f"{c_label}: {form.description}",
                    c_queries[form.name],
                    whole,
                )
            )
        # b's projection first: the memory probe runs the first contender over every row.
        return found

    # --- checks against onnxruntime over every row ---------------------------------------------

    def reference(self) -> np.ndarray:
        """onnxruntime's probabilities for every row, computed once."""
        if self._reference is None:
            session = udfs.ort_session(str(self.model), threads=1)
            self._reference = np.concatenate(
                [
                    session.run(None, {self.column: self.x[start : start + 65536]})[0]
                    for start in range(0, self.rows, 65536)
                ]
            )
        return self._reference

    def check(self, key: str, rows: list[Row]) -> None:
        form = key.split("_", 1)[1]
        getattr(self, f"check_{form}")(key, rows)

    def check_projection(self, key: str, rows: list[Row]) -> None:
        ids = np.array([row.id for row in rows])
        got = np.array([row.p for row in rows], dtype=np.float32)
        require_close(key, got, self.reference()[ids], atol=self.atol)

    def check_sum(self, key: str, rows: list[Row]) -> None:
        (got,) = [row[0] for row in rows]
        want = float(self.reference()[:, 0].astype(np.float64).sum())
        # Two runtimes may differ by a few ulps a row; a lost or doubled row moves the sum by
        # far more than this (relative 1e-4).
        if got is None or abs(got - want) > 1e-4 * abs(want) + self.atol:
            raise CheckFailed(f"{key}: sum {got} differs from onnxruntime's {want}")

    def check_counts(
        self, key: str, rows: list[Row], want: np.ndarray, ambiguous: int, what: str
    ) -> None:
        """`rows` (group, count) against `want` (count per group index); `ambiguous` rows sit
        within atol of another group, so the two runtimes may place them differently."""
        got = np.zeros_like(want)
        for group, count in rows:
            if group is None or not 0 <= int(group) < len(want):
                raise CheckFailed(f"{key}: unexpected {what} {group}")
            got[int(group)] += count
        if got.sum() != self.rows:
            raise CheckFailed(f"{key}: counts add up to {got.sum():,}, not {self.rows:,} rows")
        moved = int(np.abs(got - want).sum()) // 2
        if moved > ambiguous:
            raise CheckFailed(
                f"{key}: {moved} row(s) in another {what} than onnxruntime's "
                f"({ambiguous} within {self.atol} of a tie); got {got.tolist()}, "
                f"want {want.tolist()}"
            )

    def check_group(self, key: str, rows: list[Row]) -> None:
        p = self.reference()
        # array_position is 1-based and finds the first maximum, like argmax.
        want = np.bincount(np.argmax(p, axis=1) + 1, minlength=p.shape[1] + 1)
        top_two = np.sort(p, axis=1)[:, -2:]
        ambiguous = int(np.sum(top_two[:, 1] - top_two[:, 0] < self.atol))
        self.check_counts(key, rows, want, ambiguous, "class")

    def check_group_key(self, key: str, rows: list[Row]) -> None:
        # The same float32 product as Spark's `array_max(p) * 10` (a float times an int).
        tenths = self.reference().max(axis=1) * np.float32(10)
        want = np.bincount(np.floor(tenths).astype(np.int64), minlength=11)
        ambiguous = int(np.sum(np.abs(tenths - np.round(tenths)) < 10 * self.atol))
        self.check_counts(key, rows, want, ambiguous, "decile")

    def check_order(self, key: str, rows: list[Row]) -> None:
        p0 = self.reference()[:, 0]
        ids = np.array([row.id for row in rows])
        got = np.array([row.s for row in rows], dtype=np.float32)
        if len(rows) != TOP or np.any(np.diff(got) > 0) or len(set(ids.tolist())) != TOP:
            raise CheckFailed(f"{key}: not {TOP} distinct rows in descending order: {rows}")
        # Near-ties may order differently in another runtime: compare the scores, and each
        # returned row's score with onnxruntime's for that row.
        require_close(key, got, np.sort(p0)[::-1][:TOP], atol=self.atol)
        require_close(key, got, p0[ids], atol=self.atol)

    def check_order_key(self, key: str, rows: list[Row]) -> None:
        p0 = self.reference()[:, 0]
        ids = np.array([row.id for row in rows])
        if len(rows) != TOP or len(set(ids.tolist())) != TOP:
            raise CheckFailed(f"{key}: not {TOP} distinct rows: {rows}")
        scores = p0[ids]
        if np.any(np.diff(scores) > self.atol):
            raise CheckFailed(f"{key}: rows not in descending order of onnxruntime's scores")
        require_close(key, np.sort(scores)[::-1], np.sort(p0)[::-1][:TOP], atol=self.atol)

    def settings(self) -> dict[str, object]:
        return {**super().settings(), "order_by_limit": TOP}

    def details(self) -> dict[str, object]:
        return {
            "forms": [
                {
                    "form": f.name,
                    "description": f.description,
                    "sql": f.sql,
                    "b": f"b_{f.name}",
                    "c": f"c_{f.name}",
                }
                for f in FORMS
            ]
        }


if __name__ == "__main__":
    sys.exit(main(Aggregate))
