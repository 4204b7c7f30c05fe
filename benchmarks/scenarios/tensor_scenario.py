"""The shape shared by the scenarios whose model takes one float tensor per row (the MLP's
pixels, the CNN's images): the ceiling over numpy batches and the four contenders on one column.
Subclasses say which model, column and shape, and make the data in `prepare`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.types import ArrayType, FloatType

from benchmarks import udfs
from benchmarks.harness import on_cores
from benchmarks.scenarios.common import Scenario, SparkContender, require_close


class TensorScenario(Scenario):
    model: ClassVar[Path]
    registered: ClassVar[str]  # the name the model is registered under
    column: ClassVar[str]  # the input column, named like the model's input
    row_shape: ClassVar[tuple[int, ...]]
    batch: ClassVar[int]
    atol: ClassVar[float]
    x: np.ndarray

    def model_file(self) -> Path:
        return self.model

    def ceiling_session(self) -> object:
        return udfs.ort_session(str(self.model), threads=1)

    def ceiling_first(self, session) -> None:
        session.run(None, {self.column: self.x[: self.batch]})

    def ceiling_pass(self, session) -> None:
        # Slices along axis 0 of a C-contiguous array are contiguous: no copy per batch.
        on_cores(
            lambda start: session.run(None, {self.column: self.x[start : start + self.batch]}),
            range(0, self.rows, self.batch),
        )

    def load(self, spark: SparkSession) -> DataFrame:
        import spark_onnx

        spark_onnx.register(spark, self.registered, str(self.model))
        return spark.read.parquet(str(self.parquet))

    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        from spark_onnx.functions import onnx_predict

        floats = ArrayType(FloatType())
        batch_udf = udfs.batch_udf_column(
            self.column,
            str(self.model),
            floats,
            self.batch,
            list(self.row_shape),
            udfs.first_output,
        )
        pandas = udfs.pandas_udf_column(
            self.column,
            str(self.model),
            floats,
            udfs.stack_floats(self.row_shape),
            udfs.first_output_series,
        )
        sql = f"SELECT id, onnx_predict('{self.registered}', {self.column}) AS p FROM bench"
        scored = onnx_predict(self.registered, self.column).alias("p")
        return [
            SparkContender("b_df", "onnx_predict, DataFrame", lambda: df.select("id", scored)),
            SparkContender("b_sql", "onnx_predict, SQL", lambda: spark.sql(sql)),
            SparkContender(
                "c",
                f"predict_batch_udf + onnxruntime, batch {self.batch}",
                lambda: df.select("id", batch_udf.alias("p")),
            ),
            SparkContender(
                "d",
                f"pandas UDF (iterator) + onnxruntime, batch {self.batch}",
                lambda: df.select("id", pandas.alias("p")),
            ),
        ]

    def check(self, key: str, rows: list[Row]) -> None:
        ids = np.array([row.id for row in rows])
        got = np.array([row.p for row in rows], dtype=np.float32)
        want = udfs.run_model(str(self.model), self.x[ids])[0]
        require_close(key, got, want, atol=self.atol)
