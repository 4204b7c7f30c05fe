"""The main job on an embedded local Spark: score the digits test set with `onnx_predict` and
check it against ONNX Runtime run directly on the same rows."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SQL = """
SELECT id, label, probabilities,
       array_position(probabilities, array_max(probabilities)) - 1 AS predicted
FROM (SELECT id, label, onnx_predict('digits', pixels) AS probabilities FROM digits_test)
"""


def run(models_dir: str = "models", master: str = "local[2]") -> int:
    import onnxruntime as ort

    import spark_onnx

    models = Path(models_dir).resolve()
    model_path = models / "digits.onnx"
    if not model_path.exists():
        print(f"{model_path} is missing: building it", flush=True)
        subprocess.run([sys.executable, str(models / "build_models.py"), "digits"], check=True)
    sys.path.insert(0, str(models))
    import digits  # the shipped model's data split, from models/digits.py

    _, x_test, _, y_test = digits.load_split()

    started = time.time()
    spark = spark_onnx.session(master=master, app_name="spark-onnx demo")
    spark.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(spark, "digits", model_path)
    rows = [
        (i, int(label), pixels.tolist()) for i, (pixels, label) in enumerate(zip(x_test, y_test))
    ]
    spark.createDataFrame(rows, "id INT, label INT, pixels ARRAY<FLOAT>").createOrReplaceTempView(
        "digits_test"
    )
    scored = spark.sql(SQL).orderBy("id")
    print(f"spark-onnx demo: {len(rows)} held-out digits, model {model_path.name}, {master}\n")
    print(SQL.strip(), "\n")
    scored.select("id", "label", "predicted").show(5)
    result = scored.collect()
    spark_accuracy = float(np.mean([r.predicted == r.label for r in result]))
    spark_probabilities = np.array([r.probabilities for r in result], dtype=np.float32)
    spark_seconds = time.time() - started

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    (ort_probabilities,) = session.run(None, {"pixels": x_test})
    ort_accuracy = float(np.mean(ort_probabilities.argmax(axis=1) == y_test))
    max_diff = float(np.max(np.abs(spark_probabilities - ort_probabilities)))
    spark.stop()

    print(f"accuracy with onnx_predict on Spark:  {spark_accuracy:.4f}  ({spark_seconds:.1f} s)")
    print(f"accuracy with onnxruntime directly:   {ort_accuracy:.4f}")
    print(f"max |spark - onnxruntime| probability: {max_diff:.2e}")
    if spark_accuracy != ort_accuracy or max_diff > 1e-6:
        print("MISMATCH between Spark and ONNX Runtime", file=sys.stderr)
        return 1
    print("Spark and ONNX Runtime agree.")
    return 0
