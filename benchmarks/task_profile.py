"""Where a query's task threads spend their time: ONNX Runtime's share from the OnnxEval
operator's own metric, the rest from Java Flight Recorder in the Spark JVM (started and stopped
through py4j, so no JVM flag is needed): its execution samples of the task threads, each put in
the category of the innermost frame that names one.

The scale scenario uses it on the Parquet path, to see what a columnar input path (column vectors
copied straight into tensors, no rows in between) could save: the share of the row conversion."""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from pathlib import Path

from benchmarks import harness

# Frames that do work for whoever calls them (copies, column vector accessors, the JDK): a sample
# there belongs to the first frame below it that is not one of these.
GENERIC = (
    "java.",
    "jdk.",
    "sun.",
    "scala.",
    "org.apache.spark.unsafe.",
    "org.apache.spark.sql.execution.vectorized.",
    "org.apache.spark.sql.vectorized.",
    # A generated projection works for its caller: OnnxEval's output rows, or a codegen stage.
    "org.apache.spark.sql.catalyst.expressions.GeneratedClass$SpecificUnsafeProjection",
    "org.apache.spark.sql.catalyst.expressions.UnsafeProjection",
)
# (category, frame prefixes): the innermost frame that is not GENERIC decides.
CATEGORIES = (
    ("ONNX Runtime run", ("ai.onnxruntime.",)),
    (
        "tensor encode (rows into direct buffers)",
        (
            "sparkonnx.tensor.InputEncoder",
            "sparkonnx.tensor.ArrayLayout",
            "sparkonnx.tensor.Input",
            "sparkonnx.tensor.DirectBuffer",
            "sparkonnx.tensor.ElementWriter",
        ),
    ),
    (
        "output decode (tensors into rows)",
        ("sparkonnx.tensor.TensorDecoder", "sparkonnx.tensor.OutputDecoder"),
    ),
    ("batching (OnnxEval)", ("sparkonnx.",)),
    (
        "Parquet decode (into column vectors)",
        ("org.apache.parquet.", "org.apache.spark.sql.execution.datasources.parquet."),
    ),
    (
        "row conversion (column vectors into UnsafeRows)",
        (
            "org.apache.spark.sql.catalyst.expressions.",
            "org.apache.spark.sql.execution.ColumnarToRow",
        ),
    ),
    ("Spark (scan, task, noop write)", ("org.apache.spark.",)),
    ("other", ("",)),
)
# Frames where a thread waits rather than works.
WAITING = ("jdk.internal.misc.Unsafe.park", "java.lang.Object.wait", "java.lang.Thread.sleep")
# Spark 4 names an idle task thread "Executor task idle worker" and renames it for each task;
# the recording may keep either name.
TASK_THREAD = "Executor task "
ROW_CONVERSION = CATEGORIES[5][0]
ENCODE = CATEGORIES[1][0]


def jfr_tool() -> str:
    java = Path(harness.java_command())
    beside = java.parent / "jfr"
    return str(beside) if beside.exists() else "jfr"


def record(spark, df, runs: int, path: Path) -> dict[str, float]:
    """Runs `df` `runs` times under a flight recording of the Spark JVM (10 ms samples) written
    to `path`; returns the wall seconds and the time the OnnxEval operator reports in ONNX
    Runtime (summed over tasks)."""
    jvm = spark.sparkContext._jvm
    recording = jvm.jdk.jfr.Recording()
    recording.enable("jdk.ExecutionSample").withPeriod(jvm.java.time.Duration.ofMillis(10))
    recording.start()
    wall = 0.0
    # One query execution for every run: its plan's metrics add up over the runs, so they are
    # read once at the end (read after each run, they counted the first runs again each time).
    execution = df._jdf.queryExecution()
    try:
        for _ in range(runs):
            start = time.perf_counter()
            execution.toRdd().count()  # the plan's rows, no sink and no conversion
            wall += time.perf_counter() - start
        ort = sum(metric(node, "ortTime") for node in nodes(execution.executedPlan()))
    finally:
        recording.stop()
        recording.dump(jvm.java.io.File(str(path)).toPath())
        recording.close()
    return {"wall_seconds": wall, "ort_seconds": ort / 1e9}


def nodes(plan) -> list:
    """Every operator of a physical plan (through adaptive execution's wrapper)."""
    if plan.nodeName().startswith("AdaptiveSparkPlan"):
        plan = plan.executedPlan()
    children = plan.children()
    return [plan] + [n for i in range(children.size()) for n in nodes(children.apply(i))]


def metric(node, name: str) -> int:
    found = node.metrics().get(name)
    return int(found.get().value()) if found.isDefined() else 0


def breakdown(spark, df, runs: int, path: Path, cores: int) -> dict[str, float]:
    """Shares of the task threads' time (0..1): ONNX Runtime from the operator's own metric
    (native time, which execution samples do not see), the rest split by the categories of the
    Java execution samples. The task threads' time is the wall time times the cores: the scan
    splits the file into many more tasks than cores, so both stay busy."""
    timing = record(spark, df, runs, path)
    java = categorise(path)
    busy = timing["wall_seconds"] * cores
    ort = timing["ort_seconds"] / busy if busy else 0.0
    # ONNX Runtime's time cannot exceed the threads' time; more than a rounding error over it
    # means a miscounted metric, and a breakdown on it would be wrong: stop instead.
    if ort > 1.05:
        raise RuntimeError(f"ONNX Runtime time {timing['ort_seconds']:.1f} s > {busy:.1f} s busy")
    ort = min(ort, 1.0)
    shares = {name: (1 - ort) * java.get(name, 0.0) for name, _ in CATEGORIES}
    shares[CATEGORIES[0][0]] = ort
    shares["samples"] = java["samples"]
    shares["wall_seconds"] = timing["wall_seconds"]
    return shares


def categorise(path: Path) -> dict[str, float]:
    """Share of the task threads' samples per category (0..1), and the sample count."""
    text = subprocess.run(
        [
            jfr_tool(),
            "print",
            "--events",
            "jdk.ExecutionSample",
            "--stack-depth",
            "64",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: Counter[str] = Counter()
    for event in re.split(r"\njdk\.ExecutionSample \{", text)[1:]:
        if TASK_THREAD not in event:
            continue
        frames = re.findall(r"^\s{4}([\w$.<>]+)\(", event, flags=re.MULTILINE)
        if frames and frames[0] in WAITING:
            continue  # a task thread between tasks, or waiting: no work to attribute
        counts[category(frames)] += 1
    total = sum(counts.values())
    shares = {name: counts[name] / total for name, _ in CATEGORIES if total}
    shares["samples"] = total
    return shares


def category(frames: list[str]) -> str:
    for frame in frames:
        if frame.startswith(GENERIC):
            continue
        for name, prefixes in CATEGORIES:
            if frame.startswith(prefixes):
                return name
    return CATEGORIES[-1][0]
