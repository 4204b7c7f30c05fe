"""Scenario 2, compute-bound: the zoo's MobileNetV2 on preprocessed 224x224 float tensors,
one array<float> of 3*224*224 = 150,528 elements per row."""

from __future__ import annotations

import sys
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.types import ArrayType, FloatType

from benchmarks import harness, photos, udfs
from benchmarks.scenarios.common import Scenario, SparkContender, main, require_close

MODEL = photos.CLASSIFIER
SHAPE = (3, 224, 224)
ELEMENTS = 3 * 224 * 224
BATCH = 32
# Distinct images; row i holds image i % DISTINCT (the model does the same work on any of them).
DISTINCT = 32


class Cnn(Scenario):
    name = "cnn"
    title = "MobileNetV2 on 224x224 float tensors (models/zoo/mobilenet_v2.onnx)"
    ceiling_label = f"onnxruntime on numpy, batch {BATCH}, 2 threads sharing 1 session"
    # Python contenders get Arrow batches of BATCH rows (the default, 10,000, is ~6 GB here).
    spark_conf: ClassVar[dict[str, str]] = {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH)
    }

    def prepare(self) -> None:
        self.rows = 200 if self.quick else 2000
        distinct = np.stack([photos.tensor(photos.variant(i)) for i in range(DISTINCT)])
        self.x = distinct[np.arange(self.rows) % DISTINCT]
        self.parquet = self.workdir / "tensors.parquet"
        # Small row groups, so Spark splits the file across both cores when reading it.
        writer = pq.ParquetWriter(
            self.parquet,
            pa.schema([("id", pa.int64()), ("image", pa.list_(pa.float32(), ELEMENTS))]),
            compression="none",
        )
        with writer:
            for start in range(0, self.rows, BATCH):
                part = self.x[start : start + BATCH]
                flat = pa.array(part.reshape(-1))
                writer.write_table(
                    pa.table(
                        {
                            "id": pa.array(np.arange(start, start + len(part), dtype=np.int64)),
                            "image": pa.FixedSizeListArray.from_arrays(flat, ELEMENTS),
                        }
                    )
                )

    def ceiling_session(self) -> object:
        return udfs.ort_session(str(MODEL), threads=1)

    def ceiling_first(self, session) -> None:
        session.run(None, {"image": self.x[:BATCH]})

    def ceiling_pass(self, session) -> None:
        # Slices along axis 0 of a C-contiguous array are contiguous: no copy per batch.
        harness.on_cores(
            lambda start: session.run(None, {"image": self.x[start : start + BATCH]}),
            range(0, self.rows, BATCH),
        )

    def load(self, spark: SparkSession) -> DataFrame:
        import spark_onnx

        spark_onnx.register(spark, "mobilenet_v2", str(MODEL))
        return spark.read.parquet(str(self.parquet))

    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        from spark_onnx.functions import onnx_predict

        floats = ArrayType(FloatType())
        batch_udf = udfs.batch_udf_column(
            "image", str(MODEL), floats, BATCH, list(SHAPE), udfs.first_output
        )
        pandas = udfs.pandas_udf_column(
            "image", str(MODEL), floats, udfs.stack_floats(SHAPE), udfs.first_output_series
        )
        sql = "SELECT id, onnx_predict('mobilenet_v2', image) AS p FROM bench"
        return [
            SparkContender(
                "b_df",
                "onnx_predict, DataFrame",
                lambda: df.select("id", onnx_predict("mobilenet_v2", "image").alias("p")),
            ),
            SparkContender("b_sql", "onnx_predict, SQL", lambda: spark.sql(sql)),
            SparkContender(
                "c",
                f"predict_batch_udf + onnxruntime, batch {BATCH}",
                lambda: df.select("id", batch_udf.alias("p")),
            ),
            SparkContender(
                "d",
                f"pandas UDF (iterator) + onnxruntime, batch {BATCH}",
                lambda: df.select("id", pandas.alias("p")),
            ),
        ]

    def check(self, key: str, rows: list[Row]) -> None:
        ids = np.array([row.id for row in rows])
        got = np.array([row.p for row in rows], dtype=np.float32)
        want = udfs.run_model(str(MODEL), self.x[ids])[0]
        require_close(key, got, want, atol=1e-4)

    def settings(self) -> dict[str, object]:
        return {
            "model": harness.display_path(MODEL),
            "batch (a, c, d)": BATCH,
            "batch (b)": "engine default (spark.onnx.batchMaxBytes)",
            "distinct images": DISTINCT,
        }


if __name__ == "__main__":
    sys.exit(main(Cnn))
