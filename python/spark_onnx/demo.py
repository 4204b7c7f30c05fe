"""The main job on an embedded local Spark: score the digits test set with `onnx_predict` and
check it against ONNX Runtime run directly on the same rows; then, with --transfer, the
transfer-learning demo on the same session. Quiet (Spark logs at ERROR from the JVM's first
line), with Spark's start-up and the total time printed."""

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


# Few shuffle partitions: the demo's data is small, and 200 tiny tasks per shuffle (the
# default) would be most of the transfer demo's time on 2 cores.
DEMO_CONF = {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"}


def run_all(args) -> int:
    """`spark-onnx demo`: one Spark session for every part, timed."""
    import spark_onnx

    from .commands.quiet import quiet_conf

    began = time.time()
    model_path = _digits_model(args.models_dir)
    spark = spark_onnx.session(
        master=args.master, app_name="spark-onnx demo", conf={**quiet_conf(), **DEMO_CONF}
    )
    spark.sparkContext.setLogLevel("ERROR")
    start_up = time.time() - began
    print(f"Spark started in {start_up:.1f} s ({args.master})\n", flush=True)
    try:
        status = run(spark, model_path, args.master)
        if status == 0 and args.transfer:
            from .transfer_demo import run as transfer

            status = transfer(spark, out=args.out, images=args.images)
    finally:
        spark.stop()
    print(f"\ndemo done in {time.time() - began:.0f} s (Spark start-up {start_up:.0f} s)")
    return status


def _digits_model(models_dir: str | None) -> Path:
    """The sample model: the wheel's copy (or a checkout's models/), or --models-dir's, built
    there by its build script when missing (a checkout)."""
    if models_dir is None:
        from .samples import digits

        return Path(digits())
    models = Path(models_dir).resolve()
    model_path = models / "digits.onnx"
    if not model_path.exists():
        print(f"{model_path} is missing: building it", flush=True)
        subprocess.run([sys.executable, str(models / "build_models.py"), "digits"], check=True)
    return model_path


def run(spark, model_path: Path, master: str) -> int:
    import onnxruntime as ort

    import spark_onnx
    from spark_onnx.samples import digits_split

    _, x_test, _, y_test = digits_split()

    started = time.time()
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

    print(f"accuracy with onnx_predict on Spark:  {spark_accuracy:.4f}  ({spark_seconds:.1f} s)")
    print(f"accuracy with onnxruntime directly:   {ort_accuracy:.4f}")
    print(f"max |spark - onnxruntime| probability: {max_diff:.2e}")
    if spark_accuracy != ort_accuracy or max_diff > 1e-6:
        print("MISMATCH between Spark and ONNX Runtime", file=sys.stderr)
        return 1
    print("Spark and ONNX Runtime agree.", flush=True)
    return 0
