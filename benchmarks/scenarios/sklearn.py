"""Scenario 4, a converted scikit-learn model: RandomForestClassifier (50 trees, depth 8) on a
synthetic 20-feature dataset, through spark_onnx.from_sklearn; 1M rows scored."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import ArrayType, FloatType, LongType, StructType

from benchmarks import harness, udfs
from benchmarks.scenarios.common import (
    CheckFailed,
    Scenario,
    SparkContender,
    main,
    require_close,
)

FEATURES = 20
TREES = 50
DEPTH = 8
TRAIN_ROWS, QUICK_TRAIN_ROWS = 20_000, 2_000
BATCH = 4096
SEED = 20240611
PREDICTION = StructType().add("label", LongType()).add("probabilities", ArrayType(FloatType()))


def label_and_probabilities(outputs: udfs.Outputs) -> dict[str, np.ndarray]:
    return {"label": outputs[0].astype(np.int64), "probabilities": outputs[1]}


def prediction_frame(outputs: udfs.Outputs) -> pd.DataFrame:
    return pd.DataFrame({"label": outputs[0].astype(np.int64), "probabilities": list(outputs[1])})


def fit_forest(train: int, rows: int, model: Path):
    """The fitted forest, `rows` more rows of its data to score, and its ONNX form at `model`."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    import spark_onnx

    x, y = make_classification(train + rows, FEATURES, n_informative=10, random_state=SEED)
    x = x.astype(np.float32)
    estimator = RandomForestClassifier(TREES, max_depth=DEPTH, random_state=SEED, n_jobs=1).fit(
        x[:train], y[:train]
    )
    scored = np.ascontiguousarray(x[train:])
    spark_onnx.from_sklearn(estimator, scored[:1000]).save(model)
    return estimator, scored


def sklearn_column(estimator, column: str):
    """(e): the fitted estimator itself in an iterator pandas UDF (pickled with the closure)."""
    to_input = udfs.stack_floats((FEATURES,))

    def predict(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for series in batches:
            probabilities = estimator.predict_proba(to_input(series))
            labels = estimator.classes_[np.argmax(probabilities, axis=1)].astype(np.int64)
            yield pd.DataFrame(
                {"label": labels, "probabilities": list(probabilities.astype(np.float32))}
            )

    return pandas_udf(predict, PREDICTION)(column)


class Sklearn(Scenario):
    name = "sklearn"
    title = f"scikit-learn RandomForestClassifier ({TREES} trees, depth {DEPTH}) via ONNX"
    ceiling_label = f"onnxruntime on numpy, batch {BATCH}, 2 threads sharing 1 session"

    def prepare(self) -> None:
        self.rows = 10_000 if self.quick else 1_000_000
        train = QUICK_TRAIN_ROWS if self.quick else TRAIN_ROWS
        self.model = self.workdir / "forest.onnx"
        self.estimator, self.x = fit_forest(train, self.rows, self.model)
        features = pa.FixedSizeListArray.from_arrays(pa.array(self.x.reshape(-1)), FEATURES)
        ids = pa.array(np.arange(self.rows, dtype=np.int64))
        self.parquet = self.workdir / "features.parquet"
        pq.write_table(pa.table({"id": ids, "features": features}), self.parquet)

    def model_file(self) -> Path:
        return self.model

    def ceiling_session(self) -> object:
        return udfs.ort_session(str(self.model), threads=1)

    def ceiling_first(self, session) -> None:
        session.run(None, {session.get_inputs()[0].name: self.x[:BATCH]})

    def ceiling_pass(self, session) -> None:
        name = session.get_inputs()[0].name
        harness.on_cores(
            lambda start: session.run(None, {name: self.x[start : start + BATCH]}),
            range(0, self.rows, BATCH),
        )

    def load(self, spark: SparkSession) -> DataFrame:
        import spark_onnx

        spark_onnx.register(spark, "forest", str(self.model))
        return spark.read.parquet(str(self.parquet))

    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        from spark_onnx.functions import onnx_predict

        model = str(self.model)
        batch_udf = udfs.batch_udf_column(
            "features", model, PREDICTION, BATCH, [FEATURES], label_and_probabilities
        )
        pandas = udfs.pandas_udf_column(
            "features", model, PREDICTION, udfs.stack_floats((FEATURES,)), prediction_frame
        )
        native = sklearn_column(self.estimator, "features")
        sql = "SELECT id, onnx_predict('forest', features) AS p FROM bench"
        return [
            SparkContender(
                "b_df",
                "onnx_predict, DataFrame",
                lambda: df.select("id", onnx_predict("forest", "features").alias("p")),
            ),
            SparkContender("b_sql", "onnx_predict, SQL", lambda: spark.sql(sql)),
            SparkContender(
                "c",
                f"predict_batch_udf + onnxruntime, batch {BATCH}",
                lambda: df.select("id", batch_udf.alias("p")),
            ),
            SparkContender(
                "d",
                "pandas UDF (iterator) + onnxruntime",
                lambda: df.select("id", pandas.alias("p")),
            ),
            SparkContender(
                "e",
                "pandas UDF (iterator) + scikit-learn predict_proba",
                lambda: df.select("id", native.alias("p")),
            ),
        ]

    def check(self, key: str, rows: list[Row]) -> None:
        ids = np.array([row.id for row in rows])
        labels = np.array([row.p["label"] for row in rows])
        probabilities = np.array([row.p["probabilities"] for row in rows], dtype=np.float32)
        want_labels, want_probabilities = udfs.run_model(str(self.model), self.x[ids])
        # scikit-learn sums in double, ONNX Runtime in float: agree to float precision.
        require_close(key, probabilities, want_probabilities, atol=1e-4)
        if not np.array_equal(labels, want_labels):
            raise CheckFailed(f"{key}: labels differ from onnxruntime")

    def settings(self) -> dict[str, object]:
        return {
            "estimator": f"RandomForestClassifier(n_estimators={TREES}, max_depth={DEPTH})",
            "features": FEATURES,
            "training rows": QUICK_TRAIN_ROWS if self.quick else TRAIN_ROWS,
            "batch (a, c)": BATCH,
        }


if __name__ == "__main__":
    sys.exit(main(Sklearn))
