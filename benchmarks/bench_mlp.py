"""Throughput of the digits MLP (64 -> 256 -> 256 -> 10) through three inference paths.

The same N rows x 64 float32 pixels go, in one process, through:

  a. onnxruntime on numpy batches in this process: the ceiling, no Spark at all;
  b. spark-onnx's `onnx_predict` on local[2], as a DataFrame expression and as SQL;
  c. `pyspark.ml.functions.predict_batch_udf` wrapping an onnxruntime session: the usual
     way to run an ONNX model from PySpark today, and the baseline spark-onnx must beat.

Every Spark contender reads the same cached DataFrame and is forced to evaluate every row with
the `noop` sink, so nothing is collected to the driver and only inference is measured. Each
contender gets one warm-up run, then the median of `--runs` timed runs is reported.

    .venv/bin/python benchmarks/bench_mlp.py [--rows N] [--runs K] [--quick] [--out DIR]

Writes DIR/mlp.json and DIR/mlp.md (DIR defaults to benchmarks/results).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.parquet as pq
import pyspark
from py4j.protocol import Py4JError
from pyspark.ml.functions import predict_batch_udf
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql.types import ArrayType, FloatType

import spark_onnx
from spark_onnx.functions import onnx_predict

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / "models" / "digits.onnx"
DEFAULT_OUT = REPO / "benchmarks" / "results"

MODEL_NAME = "digits"
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"
SQL_PREDICT = f"onnx_predict('{MODEL_NAME}', {INPUT_NAME})"
FEATURES = 64
MASTER = "local[2]"
# One partition per local core: both task slots stay busy and no task waits for a second wave.
PARTITIONS = 2
ORT_BATCH = 1024
UDF_BATCH = 1024
SEED = 20240601
DEFAULT_ROWS = 1_000_000
QUICK_ROWS = 100_000
DEFAULT_RUNS = 3
QUICK_RUNS = 1
# Rows compared against onnxruntime before timing: a fast contender that is wrong is no result.
CHECK_ROWS = 256
CHECK_TOLERANCE = 1e-5
TARGET_VS_ORT = 0.8
TARGET_VS_UDF = 3.0

SPARK_CONF = {
    # The cached input is ~256 MB of floats per million rows; the default 1g driver (which is
    # also the executor in local mode) would spill it to disk and time the disk instead.
    "spark.driver.memory": "6g",
    "spark.sql.shuffle.partitions": str(PARTITIONS),
    "spark.ui.enabled": "false",
    # Progress bars would interleave with the harness's own output.
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@dataclass
class Timing:
    """Wall-clock seconds of the timed runs of one contender over `rows` rows."""

    name: str
    description: str
    rows: int
    seconds: list[float]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_seconds


@dataclass
class Ratio:
    """A throughput ratio between two contenders and the goal it is measured against."""

    key: str
    label: str
    value: float
    target: float

    @property
    def met(self) -> bool:
        return self.value >= self.target


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help=f"rows to score (default {DEFAULT_ROWS:,})")
    parser.add_argument("--runs", type=int, help=f"timed runs per contender ({DEFAULT_RUNS})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ROWS:,} rows and {QUICK_RUNS} timed run unless given",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the digits model")
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark configuration, repeatable (e.g. an onnx_predict batch size)",
    )
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else DEFAULT_ROWS
    if args.runs is None:
        args.runs = QUICK_RUNS if args.quick else DEFAULT_RUNS
    if args.rows < CHECK_ROWS or args.runs < 1:
        parser.error(f"--rows must be >= {CHECK_ROWS} and --runs >= 1")
    return args


def parse_conf(pairs: list[str]) -> dict[str, str]:
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--conf expects KEY=VALUE, got {pair!r}")
        conf[key.strip()] = value.strip()
    return conf


def make_pixels(rows: int, seed: int = SEED) -> np.ndarray:
    """Seeded random images shaped like scikit-learn's digits: integer intensities 0..16."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 17, size=(rows, FEATURES)).astype(np.float32)


def time_runs(run: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of `runs` calls to `run`, after one untimed warm-up call.

    The warm-up absorbs one-off costs (session creation, Python worker start-up, JIT) that a
    long-running job pays once.
    """
    run()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


# --- (a) onnxruntime in this process -------------------------------------------------------


def ort_session(model: Path, intra_op_threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


def score_numpy(session: ort.InferenceSession, pixels: np.ndarray, batch: int) -> None:
    # Slices along axis 0 of a C-contiguous array are contiguous: no copy before each run.
    for start in range(0, len(pixels), batch):
        session.run([OUTPUT_NAME], {INPUT_NAME: pixels[start : start + batch]})


def bench_ort(model: Path, pixels: np.ndarray, runs: int) -> Timing:
    # Both cores for one session: the same CPU budget Spark gets with local[2].
    session = ort_session(model, intra_op_threads=2)
    seconds = time_runs(lambda: score_numpy(session, pixels, ORT_BATCH), runs)
    return Timing(
        "ort",
        f"onnxruntime on numpy, batch {ORT_BATCH}, 2 intra-op threads",
        len(pixels),
        seconds,
    )


# --- Spark set-up ----------------------------------------------------------------------------


def start_spark(extra_conf: dict[str, str]) -> SparkSession:
    # Python workers (contender c) must import onnxruntime: run them on this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    spark = spark_onnx.session(
        master=MASTER, app_name="bench-mlp", conf={**SPARK_CONF, **extra_conf}
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def write_parquet(pixels: np.ndarray, path: Path) -> None:
    """Writes `pixels` as one array<float> column; far faster than createDataFrame on 1M rows."""
    flat = pa.array(pixels.reshape(-1), type=pa.float32())
    column = pa.FixedSizeListArray.from_arrays(flat, FEATURES)
    pq.write_table(pa.table({INPUT_NAME: column}), path)


def load_cached(spark: SparkSession, path: Path) -> DataFrame:
    """The input every Spark contender reads: in memory, in PARTITIONS partitions."""
    df = spark.read.parquet(str(path)).repartition(PARTITIONS).cache()
    field = df.schema[INPUT_NAME].dataType
    if not (isinstance(field, ArrayType) and isinstance(field.elementType, FloatType)):
        raise SystemExit(f"{INPUT_NAME} must be array<float>, Spark read {field.simpleString()}")
    df.count()  # materialise the cache now, so no timed run pays for Parquet or the shuffle
    return df


def udf_predict_column(model: Path) -> Column:
    """Contender c's expression: predict_batch_udf with one onnxruntime session per worker."""
    # Plain locals, not module globals: the closure is pickled to the Python workers, which
    # cannot import this script if it was loaded as a module rather than run as __main__.
    model_path, input_name, output_name = str(model), INPUT_NAME, OUTPUT_NAME

    def make_predict_fn() -> Callable[[np.ndarray], np.ndarray]:
        import numpy as np
        import onnxruntime as ort

        # Runs once per Python worker; Spark runs two tasks at once, so one thread each.
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])

        def predict(inputs: np.ndarray) -> np.ndarray:
            batch = inputs.astype(np.float32, copy=False)
            return session.run([output_name], {input_name: batch})[0]

        return predict

    udf = predict_batch_udf(
        make_predict_fn,
        return_type=ArrayType(FloatType()),
        batch_size=UDF_BATCH,
        input_tensor_shapes=[[FEATURES]],
    )
    return udf(INPUT_NAME)


def check_agrees(name: str, scored: DataFrame, session: ort.InferenceSession) -> None:
    """Fails unless `scored` (pixels, p) matches onnxruntime on the same rows."""
    rows = scored.limit(CHECK_ROWS).collect()
    pixels = np.array([row[0] for row in rows], dtype=np.float32)
    got = np.array([row[1] for row in rows], dtype=np.float32)
    want = session.run([OUTPUT_NAME], {INPUT_NAME: pixels})[0]
    if got.shape != want.shape or not np.allclose(got, want, atol=CHECK_TOLERANCE):
        raise SystemExit(f"{name}: results differ from onnxruntime on {len(rows)} rows")


def run_noop(df: DataFrame) -> None:
    # Evaluates every row of every column, like a real write, but keeps nothing.
    df.write.format("noop").mode("overwrite").save()


def time_noop(df: DataFrame, runs: int) -> list[float]:
    return time_runs(lambda: run_noop(df), runs)


def sessions_created(spark: SparkSession) -> int | None:
    """ORT sessions spark-onnx created in the driver JVM (also the executor in local mode).

    None when the jar has no such counter: that is not worth failing a benchmark over.
    """
    try:
        return int(spark.sparkContext._jvm.sparkonnx.runtime.SessionPool.sessionsCreated())
    except (Py4JError, TypeError, AttributeError):
        return None


def check_all(spark: SparkSession, df: DataFrame, model: Path, udf: Column) -> None:
    checker = ort_session(model, intra_op_threads=2)
    check_agrees(
        "onnx_predict", df.select(INPUT_NAME, onnx_predict(MODEL_NAME, INPUT_NAME)), checker
    )
    check_agrees(
        "onnx_predict (SQL)", spark.sql(f"SELECT {INPUT_NAME}, {SQL_PREDICT} FROM bench"), checker
    )
    check_agrees("predict_batch_udf", df.select(INPUT_NAME, udf), checker)


def time_all(spark: SparkSession, df: DataFrame, udf: Column, runs: int) -> list[Timing]:
    rows = df.count()
    contenders = [
        (
            "onnx_predict",
            "spark-onnx onnx_predict, DataFrame",
            df.select(onnx_predict(MODEL_NAME, INPUT_NAME).alias("p")),
        ),
        (
            "onnx_predict_sql",
            "spark-onnx onnx_predict, SQL",
            spark.sql(f"SELECT {SQL_PREDICT} AS p FROM bench"),
        ),
        (
            "predict_batch_udf",
            f"predict_batch_udf + onnxruntime, batch {UDF_BATCH}, 1 thread/task",
            df.select(udf.alias("p")),
        ),
    ]
    timings = []
    for name, description, scored in contenders:
        print(f"    {description} ...", flush=True)
        timings.append(Timing(name, description, rows, time_noop(scored, runs)))
    return timings


def bench_spark_contenders(
    spark: SparkSession, model: Path, pixels: np.ndarray, runs: int
) -> list[Timing]:
    """Contenders b (both forms) and c, on one cached copy of `pixels`."""
    spark_onnx.register(spark, MODEL_NAME, str(model))
    udf = udf_predict_column(model)
    with tempfile.TemporaryDirectory(prefix="bench-mlp-") as tmp:
        parquet = Path(tmp) / "pixels.parquet"
        write_parquet(pixels, parquet)
        df = load_cached(spark, parquet)
        df.createOrReplaceTempView("bench")
        try:
            check_all(spark, df, model, udf)
            return time_all(spark, df, udf, runs)
        finally:
            df.unpersist()


# --- Results ---------------------------------------------------------------------------------


def ratios(timings: dict[str, Timing]) -> list[Ratio]:
    # The DataFrame form stands for spark-onnx; the SQL form should plan identically.
    ours = timings["onnx_predict"].rows_per_second
    return [
        Ratio(
            "b/a",
            "b/a onnx_predict vs onnxruntime",
            ours / timings["ort"].rows_per_second,
            TARGET_VS_ORT,
        ),
        Ratio(
            "b/c",
            "b/c onnx_predict vs predict_batch_udf",
            ours / timings["predict_batch_udf"].rows_per_second,
            TARGET_VS_UDF,
        ),
    ]


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "unknown"
    # `java -version` prints to stderr.
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[0] if lines else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def java_command() -> str:
    # Spark launches $JAVA_HOME/bin/java when JAVA_HOME is set, else the java on PATH.
    home = os.environ.get("JAVA_HOME")
    return str(Path(home) / "bin" / "java") if home else "java"


def machine_info(spark: SparkSession) -> dict[str, object]:
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "java": first_line([java_command(), "-version"]),
        "spark": spark.version,
        "pyspark": pyspark.__version__,
        "onnxruntime": ort.__version__,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def timing_record(timing: Timing) -> dict[str, object]:
    return {
        **asdict(timing),
        "median_seconds": timing.median_seconds,
        "rows_per_second": timing.rows_per_second,
    }


def display_path(path: Path) -> str:
    """`path` relative to the repository when inside it, so results do not name a home dir."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(path)


def build_report(
    args: argparse.Namespace,
    timings: list[Timing],
    found: list[Ratio],
    machine: dict[str, object],
    sessions: int | None,
    extra_conf: dict[str, str],
) -> dict[str, object]:
    return {
        "benchmark": "mlp",
        "model": display_path(args.model),
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": args.rows,
        "runs": args.runs,
        "warmup_runs": 1,
        "quick": args.quick,
        "master": MASTER,
        "partitions": PARTITIONS,
        "batch_sizes": {"ort": ORT_BATCH, "predict_batch_udf": UDF_BATCH},
        "spark_conf": {**SPARK_CONF, **extra_conf},
        "contenders": {t.name: timing_record(t) for t in timings},
        "ratios": {
            r.key: {"label": r.label, "value": r.value, "target": r.target, "met": r.met}
            for r in found
        },
        "ort_sessions_created_in_driver_jvm": sessions,
        "machine": machine,
    }


def contender_rows(timings: list[Timing]) -> list[tuple[str, str, str, str]]:
    ceiling = next(t for t in timings if t.name == "ort").rows_per_second
    return [
        (
            t.description,
            f"{t.rows_per_second:,.0f}",
            f"{t.median_seconds:.2f}",
            f"{t.rows_per_second / ceiling:.3f}",
        )
        for t in timings
    ]


def ratio_rows(found: list[Ratio]) -> list[tuple[str, str, str, str]]:
    return [
        (r.label, f"{r.value:.3f}", f">= {r.target:g}", "met" if r.met else "missed") for r in found
    ]


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    # The first column names things; the others hold figures, so they align right.
    rule = "|---|" + "---:|" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join(cells)

    return "\n".join(line(row) for row in [header, *rows])


CONTENDER_HEADER = ("contender", "rows/s", "median s", "vs onnxruntime")
RATIO_HEADER = ("ratio", "value", "target", "status")


def render_markdown(
    report: dict[str, object],
    machine: dict[str, object],
    timings: list[Timing],
    found: list[Ratio],
) -> str:
    settings = [
        ("rows", f"{report['rows']:,}"),
        ("timed runs (median), after 1 warm-up", str(report["runs"])),
        ("quick (smoke) run", "yes" if report["quick"] else "no"),
        ("master / partitions", f"{MASTER} / {PARTITIONS}"),
        ("batch: onnxruntime / predict_batch_udf", f"{ORT_BATCH} / {UDF_BATCH}"),
        ("ORT sessions created in driver JVM", str(report["ort_sessions_created_in_driver_jvm"])),
        ("timestamp (UTC)", str(report["timestamp"])),
    ] + [(key, str(value)) for key, value in machine.items()]
    return (
        "\n\n".join(
            [
                "# MLP benchmark: digits.onnx (64 -> 256 -> 256 -> 10)",
                "Generated by `benchmarks/bench_mlp.py`; see `benchmarks/README.md`.",
                markdown_table(CONTENDER_HEADER, contender_rows(timings)),
                markdown_table(RATIO_HEADER, ratio_rows(found)),
                markdown_table(("setting", "value"), settings),
            ]
        )
        + "\n"
    )


def print_summary(report: dict[str, object], timings: list[Timing], found: list[Ratio]) -> None:
    print()
    print(f"{report['rows']:,} rows, median of {report['runs']} run(s) after 1 warm-up")
    print(text_table(CONTENDER_HEADER, contender_rows(timings)))
    print()
    print(text_table(RATIO_HEADER, ratio_rows(found)))
    print()
    print(f"ORT sessions created in the driver JVM: {report['ort_sessions_created_in_driver_jvm']}")


def write_results(out: Path, report: dict[str, object], markdown: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "mlp.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "mlp.md").write_text(markdown)
    print(f"wrote {display_path(out / 'mlp.json')} and {display_path(out / 'mlp.md')}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    extra_conf = parse_conf(args.conf)
    if not args.model.is_file():
        raise SystemExit(f"model not found: {args.model} (bin/demo builds it)")
    pixels = make_pixels(args.rows)

    print(f"(a) onnxruntime on {args.rows:,} rows ...", flush=True)
    timings = [bench_ort(args.model, pixels, args.runs)]

    spark = start_spark(extra_conf)
    try:
        print("(b, c) Spark contenders ...", flush=True)
        timings += bench_spark_contenders(spark, args.model, pixels, args.runs)
        sessions = sessions_created(spark)
        machine = machine_info(spark)
    finally:
        spark.stop()

    found = ratios({t.name: t for t in timings})
    report = build_report(args, timings, found, machine, sessions, extra_conf)
    print_summary(report, timings, found)
    write_results(args.out, report, render_markdown(report, machine, timings, found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
