"""Scenario 2, compute-bound: the zoo's MobileNetV2 on preprocessed 224x224 float tensors,
one array<float> of 3*224*224 = 150,528 elements per row."""

from __future__ import annotations

import sys
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks import harness, photos
from benchmarks.scenarios.common import main
from benchmarks.scenarios.tensor_scenario import TensorScenario

MODEL = photos.CLASSIFIER
SHAPE = (3, 224, 224)
ELEMENTS = 3 * 224 * 224
# onnxruntime on the CPU runs MobileNetV2 fastest a couple of images at a time (2 threads:
# ~525 images/s at batch 1-2, ~430 at 32, with 30x the activation memory): every contender
# that picks its own batch gets that best one.
BATCH = 2
# Distinct images; row i holds image i % DISTINCT (the model does the same work on any of them).
DISTINCT = 32


class Cnn(TensorScenario):
    model = MODEL
    registered = "mobilenet_v2"
    column = "image"
    row_shape = SHAPE
    batch = BATCH
    atol = 1e-4
    name = "cnn"
    title = "MobileNetV2 on 224x224 float tensors (models/zoo/mobilenet_v2.onnx)"
    ceiling_label = f"onnxruntime on numpy, batch {BATCH}, 2 threads sharing 1 session"
    # Python contenders get Arrow batches of BATCH rows (the default, 10,000, is ~6 GB here).
    spark_conf: ClassVar[dict[str, str]] = {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH)
    }

    def prepare(self) -> None:
        self.rows = 32 if self.quick else 2000
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

    def settings(self) -> dict[str, object]:
        return {
            "model": harness.display_path(MODEL),
            "batch (a, c, d)": BATCH,
            "batch (b)": "engine default (spark.onnx.batchMaxBytes)",
            "distinct images": DISTINCT,
        }


if __name__ == "__main__":
    sys.exit(main(Cnn))
