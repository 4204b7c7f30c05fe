"""A Python application for `spark-submit` (tests/test_deploy_cluster.py runs it on local[2] and
on the standalone cluster): the digits model registered by configuration (`--conf
spark.onnx.model.digits=...`) scores `rows` generated rows, the zoo's MobileNetV2 (registered
by the application) labels the photos of a folder, and each executor reports its ONNX Runtime
sessions. Prints one JSON line.

    spark-submit --master spark://127.0.0.1:7077 --jars <jars> \\
      --conf spark.sql.extensions=sparkonnx.SparkOnnxExtensions \\
      --conf spark.onnx.model.digits=models/digits.onnx \\
      tests/deploy_score_app.py 1000000 --images photos/

With `--rerun-announced` it then runs the digits summary once more, printing `RUNNING` on stdout
as soon as that query's first tasks run (the test kills a worker then), and reports it as
`rerun`: one application for the clean run and the run that loses a worker.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

from pyspark.sql import SparkSession

from spark_onnx import zoo

# The rows of jvm/src/test/scala/sparkonnx/deploy/ScoringApp.scala: 64 pixels from the id,
# spelled out (generated code) so that making the rows costs little next to scoring them.
PIXELS = "array(" + ", ".join(f"CAST((id * 7 + {i}) % 17 AS FLOAT)" for i in range(64)) + ")"
PARTITIONS = 8
SCORED = (
    f"SELECT id, onnx_predict('digits', {PIXELS}) AS p FROM range(0, {{rows}}, 1, {PARTITIONS})"
)
SUMMARY = (
    "SELECT count(*) AS rows, sum(id) AS id_sum, sum(CAST(p[3] * 1000000 AS BIGINT)) AS checksum "
    "FROM ({scored})"
)
# A few whole rows, for the test to compare with ONNX Runtime run directly.
SAMPLE = "SELECT id, p FROM ({scored}) WHERE id % {step} = 0 ORDER BY id"
# onnx_runtime_stats() evaluated in tasks spread over every executor.
STATS = (
    "SELECT s.executorId AS executor, max(s.pid) AS pid, max(s.sessionsCreated) AS created, "
    "max(s.sessionsOpen) AS open FROM (SELECT onnx_runtime_stats() AS s "
    "FROM range(0, 64, 1, 64)) GROUP BY 1 ORDER BY 1"
)


def stats(spark: SparkSession) -> dict:
    return {
        r.executor: {"pid": r.pid, "created": r.created, "open": r.open}
        for r in spark.sql(STATS).collect()
    }


def digits(spark: SparkSession, rows: int) -> dict:
    scored = SCORED.format(rows=rows)
    spark.sql(SUMMARY.format(scored=SCORED.format(rows=10_000))).collect()  # warm-up
    started = time.perf_counter()
    summary = spark.sql(SUMMARY.format(scored=scored)).first().asDict()
    seconds = time.perf_counter() - started
    sample = spark.sql(SAMPLE.format(scored=scored, step=max(1, rows // 8))).collect()
    return {
        **summary,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "sample": {r.id: list(r.p) for r in sample},
    }


def images(spark: SparkSession, folder: str) -> dict:
    zoo.register(spark, "mobilenet_v2")
    labelled = spark.sql(
        f"SELECT path, mobilenet_v2_top5(content) AS top5 FROM binaryFile.`{folder}`"
    ).collect()
    return {r.path.rsplit("/", 1)[-1]: [(c.label, c.probability) for c in r.top5] for r in labelled}


def announce_running_tasks(spark: SparkSession) -> None:
    """Prints RUNNING once a stage has tasks running and others still waiting for a core: then
    every executor (one core each) is running one. On warm executors a task takes a fraction of
    a second, and the status tracker is updated every 100 ms or so, so "none finished yet" could
    pass unseen; tasks still waiting last most of the stage."""
    tracker = spark.sparkContext.statusTracker()

    def watch() -> None:
        while True:
            for stage in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage)
                if info is None or info.numActiveTasks == 0:
                    continue
                if (
                    info.numActiveTasks + info.numCompletedTasks + info.numFailedTasks
                    < info.numTasks
                ):
                    print("RUNNING", flush=True)
                    return
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--images")
    parser.add_argument("--rerun-announced", action="store_true")
    args = parser.parse_args()
    spark = SparkSession.builder.appName("spark-onnx Python scoring app").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        result = {"master": spark.sparkContext.master, "digits": digits(spark, args.rows)}
        result["sessions_after_digits"] = stats(spark)
        if args.images:
            result["images"] = images(spark, args.images)
            result["sessions_after_images"] = stats(spark)
        if args.rerun_announced:
            announce_running_tasks(spark)
            rerun = spark.sql(SUMMARY.format(scored=SCORED.format(rows=args.rows))).first()
            result["rerun"] = rerun.asDict()
        print(json.dumps(result), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
