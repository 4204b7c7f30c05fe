"""Scenario 1, overhead-bound: the digits MLP (64 -> 256 -> 256 -> 10), 1M rows of 64 floats."""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks import harness
from benchmarks.scenarios.common import main
from benchmarks.scenarios.tensor_scenario import TensorScenario

MODEL = harness.REPO / "models" / "digits.onnx"
FEATURES = 64
BATCH = 1024
SEED = 20240601


class Mlp(TensorScenario):
    model = MODEL
    registered = "digits"
    column = "pixels"
    row_shape = (FEATURES,)
    batch = BATCH
    atol = 1e-5
    name = "mlp"
    title = "MLP 64->256->256->10 (models/digits.onnx)"
    ceiling_label = f"onnxruntime on numpy, batch {BATCH}, 2 threads sharing 1 session"

    def prepare(self) -> None:
        self.rows = 10_000 if self.quick else 1_000_000
        # Shaped like scikit-learn's digits: integer intensities 0..16.
        rng = np.random.default_rng(SEED)
        self.x = rng.integers(0, 17, size=(self.rows, FEATURES)).astype(np.float32)
        pixels = pa.FixedSizeListArray.from_arrays(pa.array(self.x.reshape(-1)), FEATURES)
        ids = pa.array(np.arange(self.rows, dtype=np.int64))
        self.parquet = self.workdir / "pixels.parquet"
        pq.write_table(pa.table({"id": ids, "pixels": pixels}), self.parquet)

    def settings(self) -> dict[str, object]:
        return {"model": harness.display_path(MODEL), "batch": BATCH, "features": FEATURES}


if __name__ == "__main__":
    sys.exit(main(Mlp))
