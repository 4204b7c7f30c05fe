"""Scenario 1, overhead-bound: the digits MLP (64 -> 256 -> 256 -> 10), 1M rows of 64 floats."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.types import ArrayType, FloatType

from benchmarks import harness, udfs
from benchmarks.scenarios.common import Scenario, SparkContender, main, require_close

MODEL = harness.REPO / "models" / "digits.onnx"
FEATURES = 64
BATCH = 1024
SEED = 20240601


class Mlp(Scenario):
    name = "mlp"
    title = "MLP 64->256->256->10 (models/digits.onnx)"
    ceiling_label = f"onnxruntime on numpy, batch {BATCH}, 2 threads sharing 1 session"

    def prepare(self) -> None:
        self.rows = 100_000 if self.quick else 1_000_000
        # Shaped like scikit-learn's digits: integer intensities 0..16.
        rng = np.random.default_rng(SEED)
        self.x = rng.integers(0, 17, size=(self.rows, FEATURES)).astype(np.float32)
        pixels = pa.FixedSizeListArray.from_arrays(pa.array(self.x.reshape(-1)), FEATURES)
        ids = pa.array(np.arange(self.rows, dtype=np.int64))
        self.parquet = self.workdir / "pixels.parquet"
        pq.write_table(pa.table({"id": ids, "pixels": pixels}), self.parquet)

    def ceiling_session(self) -> object:
        return udfs.ort_session(str(MODEL), threads=1)

    def ceiling_first(self, session) -> None:
        session.run(None, {"pixels": self.x[:BATCH]})

    def ceiling_pass(self, session) -> None:
        # Slices along axis 0 of a C-contiguous array are contiguous: no copy per batch.
        harness.on_cores(
            lambda start: session.run(None, {"pixels": self.x[start : start + BATCH]}),
            range(0, self.rows, BATCH),
        )

    def load(self, spark: SparkSession) -> DataFrame:
        import spark_onnx

        spark_onnx.register(spark, "digits", str(MODEL))
        return spark.read.parquet(str(self.parquet))

    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        from spark_onnx.functions import onnx_predict

        floats = ArrayType(FloatType())
        batch_udf = udfs.batch_udf_column(
            "pixels", str(MODEL), floats, BATCH, [FEATURES], udfs.first_output
        )
        pandas = udfs.pandas_udf_column(
            "pixels", str(MODEL), floats, udfs.stack_floats((FEATURES,)), udfs.first_output_series
        )
        sql = "SELECT id, onnx_predict('digits', pixels) AS p FROM bench"
        return [
            SparkContender(
                "b_df",
                "onnx_predict, DataFrame",
                lambda: df.select("id", onnx_predict("digits", "pixels").alias("p")),
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
        ]

    def check(self, key: str, rows: list[Row]) -> None:
        ids = np.array([row.id for row in rows])
        got = np.array([row.p for row in rows], dtype=np.float32)
        want = udfs.run_model(str(MODEL), self.x[ids])[0]
        require_close(key, got, want, atol=1e-5)

    def settings(self) -> dict[str, object]:
        return {"model": harness.display_path(MODEL), "batch": BATCH, "features": FEATURES}


if __name__ == "__main__":
    sys.exit(main(Mlp))
