"""Scale (`run.py --scale`): the mlp and sklearn scenarios' models scoring Parquet files of 1M, 4M
and 16M rows (quick: 100k and 400k), read as a user's job reads them: not cached, every run from
the file. Per size, rows/s of

- `read`: the input column alone through the noop sink (what reading the file costs),
- `b`: `onnx_predict(model, column)` over the file through the noop sink, reading the column
  batches in place (the columnar input path, on by default),
- `b_rows`: the same through rows (`spark.onnx.columnarInput=false`: Spark converts the column
  vectors into rows first, the path before the columnar input was built);

then, over the sizes, the marginal rate (the slope of a least-squares line through seconds
against rows: what one more row costs) and the fixed cost per query (its intercept), beside the
same figures for `read`, and the onnxruntime ceiling (a) on 1M rows in memory. A query over
1,000 rows measures the fixed cost directly as well.

The files are made once (seeded) under benchmarks/out/scale and reused; 16M x 64 floats is ~4 GB
before compression."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks import harness, udfs
from benchmarks import task_profile as profile
from benchmarks.harness import RssSampler
from benchmarks.scenarios import mlp, sklearn
from benchmarks.scenarios.common import (
    BASE_CONF,
    HEAP_GB,
    QUICK_HEAP_GB,
    heap_conf,
    parse_conf,
    require_close,
    run_noop,
    start_spark,
)

NAME = "scale"
TITLE = "Parquet files at scale: rows/s per size, marginal rate and fixed cost per query"
FOLDER = harness.REPO / "benchmarks" / "out" / "scale"
SIZES, QUICK_SIZES = (1_000_000, 4_000_000, 16_000_000), (100_000, 400_000)
FIXED_ROWS = 1_000
# Rows per row group (and per generated chunk): Spark splits a file by row groups, so a 16M-row
# file gives 32 tasks for the two cores.
CHUNK = 500_000
CEILING_ROWS, QUICK_CEILING_ROWS = 1_000_000, 100_000
CHECK = 16
PROFILE_RUNS = 3
# Bumped when the generated data changes, so stale files are made again.
DATA_VERSION = 1


@dataclass(frozen=True)
class Case:
    """One model at scale: its registered name, input column, features and data generator."""

    name: str
    registered: str
    column: str
    features: int
    batch: int

    def chunk(self, rng: np.random.Generator, rows: int) -> np.ndarray:
        if self.name == "mlp":
            # As the mlp scenario: integer intensities 0..16, shaped like scikit-learn's digits.
            return rng.integers(0, 17, size=(rows, self.features)).astype(np.float32)
        # The forest does the same work on any input: every row walks 50 trees of depth <= 8.
        return rng.standard_normal((rows, self.features), dtype=np.float32) * 2

    def file(self, rows: int) -> Path:
        return FOLDER / f"{self.name}-v{DATA_VERSION}-{rows}.parquet"

    def make(self, rows: int) -> Path:
        path = self.file(rows)
        if path.exists():
            return path
        FOLDER.mkdir(parents=True, exist_ok=True)
        print(f"  writing {harness.display_path(path)} ...", flush=True)
        rng = np.random.default_rng((mlp.SEED, self.features, rows))
        schema = pa.schema(
            [("id", pa.int64()), (self.column, pa.list_(pa.float32(), self.features))]
        )
        partial = path.with_suffix(".partial")
        with pq.ParquetWriter(partial, schema) as writer:
            for start in range(0, rows, CHUNK):
                x = self.chunk(rng, min(CHUNK, rows - start))
                ids = np.arange(start, start + len(x), dtype=np.int64)
                values = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), self.features)
                writer.write_table(pa.table({"id": ids, self.column: values}, schema=schema))
        partial.rename(path)
        return path

    def rows_of(self, path: Path, count: int) -> np.ndarray:
        table = pq.ParquetFile(path).read_row_group(0).slice(0, count)
        flat = table.column(self.column).combine_chunks().flatten().to_numpy()
        return flat.reshape(count, self.features).astype(np.float32)


CASES = (
    Case("mlp", "digits", "pixels", mlp.FEATURES, mlp.BATCH),
    Case("sklearn", "forest", "features", sklearn.FEATURES, sklearn.BATCH),
)


def fit_line(rows: list[int], seconds: list[float]) -> dict[str, float]:
    """Least squares seconds = fixed + rows / marginal."""
    slope, intercept = np.polyfit(np.array(rows, dtype=float), np.array(seconds), 1)
    return {
        "marginal_rows_per_second": float(1 / slope) if slope > 0 else None,
        "fixed_seconds": float(intercept),
    }


def ceiling(case: Case, model: Path, quick: bool) -> float:
    """a: onnxruntime on numpy rows in memory, as in the scenario of the same name."""
    rows = QUICK_CEILING_ROWS if quick else CEILING_ROWS
    x = case.chunk(np.random.default_rng(1), rows)
    session = udfs.ort_session(str(model), threads=1)
    name = session.get_inputs()[0].name

    def one_pass() -> None:
        harness.on_cores(
            lambda s: session.run(None, {name: x[s : s + case.batch]}), range(0, rows, case.batch)
        )

    seconds = harness.time_runs(one_pass, runs=3, warmups=1)
    return rows / statistics.median(seconds)


def time_query(query, runs: int, warmups: int) -> list[float]:
    return harness.time_runs(lambda: run_noop(query()), runs, warmups)


def run_case(spark, case: Case, model: Path, sizes, runs: int, warmups: int) -> dict:
    import spark_onnx
    from spark_onnx.functions import onnx_predict

    spark_onnx.register(spark, case.registered, str(model))
    files = {rows: case.make(rows) for rows in (FIXED_ROWS, *sizes)}
    # Correctness first: b on the first rows of the smallest file against onnxruntime.
    smallest = files[FIXED_ROWS]
    got = (
        spark.read.parquet(str(smallest))
        .orderBy("id")
        .limit(CHECK)
        .select(onnx_predict(case.registered, case.column).alias("p"))
        .collect()
    )
    want = udfs.run_model(str(model), case.rows_of(smallest, CHECK))
    if case.name == "mlp":
        require_close("scale b", np.array([r.p for r in got], np.float32), want[0], 1e-5)
    else:
        probabilities = np.array([r.p["probabilities"] for r in got], np.float32)
        require_close("scale b", probabilities, want[1], 1e-4)
    found: dict = {"model": harness.display_path(model), "sizes": {}}
    # Each run reads the file anew, as a user's job does.
    for rows, path in files.items():
        scored = lambda path=path: spark.read.parquet(str(path)).select(
            onnx_predict(case.registered, case.column).alias("p")
        )
        queries = {
            "read": lambda path=path: spark.read.parquet(str(path)).select(case.column),
            "b": scored,
            "b_rows": scored,
        }
        entry = {"file_mb": round(path.stat().st_size / 2**20, 1)}
        for key, query in queries.items():
            with columnar_input(spark, key != "b_rows"):
                seconds = time_query(query, runs, warmups)
            entry[key] = {"seconds": seconds, "rows_per_second": rows / statistics.median(seconds)}
            print(
                f"  {case.name} {rows:>11,} rows {key:<5} {entry[key]['rows_per_second']:>12,.0f}"
                " rows/s",
                flush=True,
            )
        found["sizes"][str(rows)] = entry
    for key in ("read", "b", "b_rows"):
        measured = [(r, statistics.median(found["sizes"][str(r)][key]["seconds"])) for r in sizes]
        found[f"{key}_fit"] = fit_line([r for r, _ in measured], [s for _, s in measured])
    found["fixed_query_seconds"] = statistics.median(
        found["sizes"][str(FIXED_ROWS)]["b"]["seconds"]
    )
    profiled_file = files[sizes[-2 if len(sizes) > 1 else 0]]
    found["profile"] = profiled(spark, case, profiled_file, columnar=True)
    found["profile_rows"] = profiled(spark, case, profiled_file, columnar=False)
    return found


@contextmanager
def columnar_input(spark, enabled: bool):
    """spark.onnx.columnarInput for the queries planned inside."""
    spark.conf.set("spark.onnx.columnarInput", str(enabled).lower())
    try:
        yield
    finally:
        spark.conf.unset("spark.onnx.columnarInput")


def profiled(spark, case: Case, path: Path, columnar: bool) -> dict:
    """Where b's task threads spend their time on one file (JFR samples, benchmarks/task_profile.py),
    reading the column batches in place or (`columnar` false) through rows: the row conversion's
    share there is what the columnar input path can save."""
    from spark_onnx.functions import onnx_predict

    key = "b" if columnar else "b_rows"
    recording = FOLDER / f"profile-{case.name}-{key}.jfr"
    print(f"  {case.name}: profiling {key} over {harness.display_path(path)} ...", flush=True)
    with columnar_input(spark, columnar):
        query = spark.read.parquet(str(path)).select(
            onnx_predict(case.registered, case.column).alias("p")
        )
        # Three runs: enough samples (10 ms apart) for shares to a few per cent.
        shares = profile.breakdown(spark, query, PROFILE_RUNS, recording, harness.CORES)
    return {"file": harness.display_path(path), "runs": PROFILE_RUNS, "shares": shares}


def run(quick: bool, runs: int, warmups: int, extra_conf: dict[str, str]) -> dict:
    began = time.perf_counter()
    sizes = QUICK_SIZES if quick else SIZES
    print(f"[{NAME}] {TITLE}", flush=True)
    work = FOLDER / "models"
    work.mkdir(parents=True, exist_ok=True)
    models = {"mlp": mlp.MODEL, "sklearn": work / "forest.onnx"}
    train = sklearn.QUICK_TRAIN_ROWS if quick else sklearn.TRAIN_ROWS
    sklearn.fit_forest(train, 1000, models["sklearn"])
    ceilings = {c.name: ceiling(c, models[c.name], quick) for c in CASES}
    conf = {**BASE_CONF, **heap_conf(QUICK_HEAP_GB if quick else HEAP_GB), **extra_conf}
    sampler = RssSampler()
    sampler.start()
    start = time.perf_counter()
    spark = start_spark(NAME, conf)
    spark_start = time.perf_counter() - start
    try:
        cases = {}
        for case in CASES:
            cases[case.name] = run_case(spark, case, models[case.name], sizes, runs, warmups)
            cases[case.name]["a_rows_per_second"] = ceilings[case.name]
        system = spark.sparkContext._jvm.System
        java = f"{system.getProperty('java.vm.name')} {system.getProperty('java.version')}"
    finally:
        spark.stop()
        sampler.stop()
    return {
        "scenario": NAME,
        "title": TITLE,
        "rows": sum(sizes) * len(CASES),
        "quick": quick,
        "runs": runs,
        "warmup_runs": warmups,
        "sizes": list(sizes),
        "fixed_rows": FIXED_ROWS,
        "spark_start_seconds": spark_start,
        "spark_conf": conf,
        "cases": cases,
        "machine": harness.machine_info(java),
        "wall_seconds": time.perf_counter() - began,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmups", type=int, default=1)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    result = run(args.quick, args.runs, args.warmups, parse_conf(args.conf))
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
