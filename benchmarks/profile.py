"""Where a query's task threads spend their time: Java Flight Recorder in the Spark JVM (started
and stopped through py4j, so no JVM flag is needed), its execution and native-method samples of
the task threads, each put in the category of the innermost frame that names one.

The scale scenario uses it on the Parquet path, to see what a columnar input path (column vectors
copied straight into tensors, no rows in between) could save: the share of the row conversion."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Callable
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
TASK_THREAD = "Executor task launch worker"
ROW_CONVERSION = CATEGORIES[5][0]
ENCODE = CATEGORIES[1][0]


def jfr_tool() -> str:
    java = Path(harness.java_command())
    beside = java.parent / "jfr"
    return str(beside) if beside.exists() else "jfr"


def record(spark, run: Callable[[], object], path: Path) -> Path:
    """Runs `run` under a flight recording of the Spark JVM (10 ms samples) written to `path`."""
    jvm = spark.sparkContext._jvm
    recording = jvm.jdk.jfr.Recording()
    period = jvm.java.time.Duration.ofMillis(10)
    for event in ("jdk.ExecutionSample", "jdk.NativeMethodSample"):
        recording.enable(event).withPeriod(period)
    recording.start()
    try:
        run()
    finally:
        recording.stop()
        recording.dump(jvm.java.nio.file.Paths.get(str(path), []))
        recording.close()
    return path


def categorise(path: Path) -> dict[str, float]:
    """Share of the task threads' samples per category (0..1), and the sample count."""
    text = subprocess.run(
        [
            jfr_tool(),
            "print",
            "--events",
            "jdk.ExecutionSample,jdk.NativeMethodSample",
            "--stack-depth",
            "64",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: Counter[str] = Counter()
    for event in re.split(r"\njdk\.(?:ExecutionSample|NativeMethodSample) \{", text)[1:]:
        if TASK_THREAD not in event:
            continue
        frames = re.findall(r"^\s{4}([\w$.<>]+)\(", event, flags=re.MULTILINE)
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
