"""Runs in its own process: spark-onnx on `local-cluster[2,1,2048]` (two real executor JVMs).
Scores a deterministic table twice, the second time killing one executor mid-job, and prints
JSON: row counts, checksums, per-executor ORT session counts, whether the kill happened."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from pyspark.sql import SparkSession

import spark_onnx

QUERY = """
SELECT count(*) AS rows, sum(CAST(p[3] * 1000000 AS BIGINT)) AS checksum FROM (
  SELECT onnx_predict('digits', transform(sequence(0, 63), i -> CAST((id * 7 + i) % 17 AS FLOAT)),
                      map('batchSize', '64')) AS p
  FROM range(0, {rows}, 1, 16))
"""


def executor_pids(app_id: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="ignore")
            except OSError:
                continue
            if "CoarseGrainedExecutorBackend" in cmdline and app_id in cmdline:
                pids.append(int(proc.name))
    return pids


def main(model: str, rows: int) -> None:
    builder = SparkSession.builder.master("local-cluster[2,1,2048]").config(
        "spark.ui.enabled", "false"
    )
    spark = spark_onnx.configure(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(spark, "digits", model)
    clean = spark.sql(QUERY.format(rows=rows)).first()
    stats = spark.sql(
        "SELECT s.executorId AS executor, max(s.sessionsCreated) AS sessions FROM "
        "(SELECT onnx_runtime_stats() AS s FROM range(0, 64, 1, 64)) GROUP BY 1"
    ).collect()

    app_id = spark.sparkContext.applicationId
    killed = []

    def kill_one() -> None:
        time.sleep(4)
        pids = executor_pids(app_id)
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    threading.Thread(target=kill_one, daemon=True).start()
    faulted = spark.sql(QUERY.format(rows=rows)).first()
    print(
        json.dumps(
            {
                "clean": clean.asDict(),
                "faulted": faulted.asDict(),
                "sessions_per_executor": {r.executor: r.sessions for r in stats},
                "killed": killed,
            }
        )
    )
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
