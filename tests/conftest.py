"""Shared fixtures: one local[2] session configured the way a user does it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
DIGITS = MODELS / "digits.onnx"
sys.path.insert(0, str(MODELS))


@pytest.fixture(scope="session")
def spark():
    import spark_onnx

    # SPARK_ONNX_TEST_MASTER=local-cluster[2,1,2048] runs the suites on two executor JVMs.
    session = spark_onnx.session(
        master=os.environ.get("SPARK_ONNX_TEST_MASTER", "local[2]"),
        app_name="spark-onnx tests",
        models={"digits_conf": str(DIGITS)},
        conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4"},
    )
    session.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(session, "digits", DIGITS)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def digits_test() -> tuple[np.ndarray, np.ndarray]:
    """The held-out digits: pixels float32[N,64] and labels."""
    import digits

    _, x_test, _, y_test = digits.load_split()
    return x_test, y_test


@pytest.fixture(scope="session")
def digits_direct(digits_test) -> np.ndarray:
    """Expected probabilities: ONNX Runtime run directly on the same rows."""
    session = ort.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    return session.run(None, {"pixels": digits_test[0]})[0]


@pytest.fixture(scope="session")
def digits_frame(spark, digits_test):
    x, y = digits_test
    rows = [(i, int(label), pixels.tolist()) for i, (pixels, label) in enumerate(zip(x, y))]
    frame = spark.createDataFrame(rows, "id INT, label INT, pixels ARRAY<FLOAT>").repartition(4)
    frame.createOrReplaceTempView("digits_test")
    return frame
