"""Times SynapseML's `ONNXModel` on one model and one Parquet input. Runs in the peers' venv
(PySpark 3.5, benchmarks/peers/environment.py), so it imports nothing from this project:

    peers-venv/bin/python synapseml_runner.py job.json

job.json: model, parquet, column (the model input's name and the column's), output (the model
output), shape (one row's tensor shape), batch_sizes (mini-batch sizes to try), search_rows (rows
each try runs on), runs, warmups, check_ids, jars, ort_jar, heap_gb, result (where to write).
Writes the result JSON and, beside it, the check rows' outputs (`.npy`).

The input is read, repartitioned into 2 partitions, cached and counted before any timing, and
every run writes the output column through the noop sink: as the project's own scenarios do.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

PARTITIONS = 2


def start(job: dict) -> SparkSession:
    heap = f"{job['heap_gb']}g"
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("bench-peers-synapseml")
        .config("spark.jars", ",".join(job["jars"]))
        # ONNX Runtime first on the classpath: SynapseML's own (1.8.1) cannot read IR-9 models.
        .config("spark.driver.extraClassPath", job["ort_jar"])
        .config("spark.driver.memory", heap)
        .config("spark.driver.extraJavaOptions", f"-Xms{heap} -XX:+AlwaysPreTouch")
        .config("spark.sql.shuffle.partitions", str(PARTITIONS))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    # SynapseML's Python wrappers ship inside its jars.
    for jar in job["jars"]:
        if "synapseml" in Path(jar).name and python_inside(jar):
            sys.path.append(jar)
    return spark


def python_inside(jar: str) -> bool:
    with zipfile.ZipFile(jar) as z:
        return any(name.startswith("synapse/ml/") and name.endswith(".py") for name in z.namelist())


def nested(column: str, shape: list[int]):
    """A flat array<float> column as nested arrays, one level per dimension: SynapseML reads a
    row's [3, 224, 224] tensor only that way."""
    if len(shape) == 1:
        return F.col(column)
    inner = int(np.prod(shape[1:]))

    def level(offset, dims: list[int]):
        if len(dims) == 1:
            return F.slice(column, offset + 1, dims[0])
        step = int(np.prod(dims[1:]))
        return F.transform(
            F.sequence(F.lit(0), F.lit(dims[0] - 1)),
            lambda i: level(offset + i * step, dims[1:]),
        )

    return F.transform(
        F.sequence(F.lit(0), F.lit(shape[0] - 1)),
        lambda i: level(i * inner, shape[1:]),
    )


def cached(df: DataFrame) -> DataFrame:
    df = df.repartition(PARTITIONS).cache()
    df.count()
    return df


def model(job: dict, batch: int):
    from synapse.ml.onnx import ONNXModel

    return (
        ONNXModel()
        .setModelLocation(job["model"])
        .setDeviceType("CPU")
        .setFeedDict({job["column"]: job["column"]})
        .setFetchDict({"p": job["output"]})
        .setMiniBatchSize(batch)
    )


def noop(df: DataFrame) -> float:
    began = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - began


def main(path: str) -> int:
    job = json.loads(Path(path).read_text())
    began = time.perf_counter()
    spark = start(job)
    spark_start = time.perf_counter() - began
    source = spark.read.parquet(job["parquet"]).select(
        "id", nested(job["column"], job["shape"]).alias(job["column"])
    )
    df = cached(source)
    rows = df.count()
    result: dict = {"spark": spark.version, "spark_start_seconds": spark_start, "rows": rows}

    first = time.perf_counter()
    model(job, job["batch_sizes"][0]).transform(df).select("p").limit(1).collect()
    result["first_row_seconds"] = spark_start + time.perf_counter() - first

    # Its best mini-batch size, each tried once on the first search_rows rows.
    subset = cached(source.limit(job["search_rows"]))
    tried = {}
    for batch in job["batch_sizes"]:
        noop(model(job, batch).transform(subset).select("p"))  # warm-up: session, JIT
        tried[batch] = job["search_rows"] / noop(model(job, batch).transform(subset).select("p"))
        print(f"  SynapseML mini-batch {batch}: {tried[batch]:,.0f} rows/s", flush=True)
    subset.unpersist()
    best = max(tried, key=tried.get)
    result["batch_rows_per_second"] = {str(k): v for k, v in tried.items()}
    result["batch"] = best

    scored = model(job, best).transform(df)
    check = scored.where(F.col("id").isin(job["check_ids"])).select("id", "p").collect()
    order = np.argsort([r.id for r in check])
    ids = np.array([r.id for r in check])[order]
    outputs = np.array([r.p for r in check], dtype=np.float32)[order]
    out = Path(job["result"])
    np.save(out.with_suffix(".ids.npy"), ids)
    np.save(out.with_suffix(".outputs.npy"), outputs)

    for _ in range(job["warmups"]):
        noop(scored.select("p"))
    result["seconds"] = [noop(scored.select("p")) for _ in range(job["runs"])]
    result["java"] = spark.sparkContext._jvm.System.getProperty("java.version")
    result["onnxruntime_jar"] = Path(job["ort_jar"]).name
    spark.stop()
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
