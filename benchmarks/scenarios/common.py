"""What every scenario does, in one place: the ceiling (a) in this process, then the Spark
contenders (b, c, d, e) on one cached DataFrame; for each a correctness check against
onnxruntime before timing, time to first row, timed runs, memory peaks and ORT sessions.

A scenario module subclasses `Scenario` and calls `main(ItsScenario)`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import numpy as np
from py4j.protocol import Py4JError
from pyspark.sql import DataFrame, Row, SparkSession

from benchmarks import harness
from benchmarks.harness import Measurement, RssSampler

# Rows compared against onnxruntime before timing: a fast contender that is wrong is no result.
CHECK_ROWS, QUICK_CHECK_ROWS = 64, 16

HEAP_GB = 6
# A quick run caches at most ~120 MB: a small heap, since touching 6 GB takes ~10 s per
# Spark start on a freshly booted machine.
QUICK_HEAP_GB = 2
# The memory target: while scoring, the JVM grows by at most the model's size plus this.
MEMORY_ALLOWANCE_MB = 64


def heap_conf(gigabytes: int) -> dict[str, str]:
    # The cached input (up to ~1.2 GB of floats for the CNN) must stay in memory: the default
    # 1g driver (also the executor in local mode) would spill it and time the disk instead.
    return {
        "spark.driver.memory": f"{gigabytes}g",
        # The whole heap committed and touched at start-up: the JVM's RSS then grows only by
        # native memory (ORT sessions and arenas, direct buffers, Arrow), which is what the
        # memory figures measure, not by the garbage collector reaching for more heap.
        "spark.driver.extraJavaOptions": f"-Xms{gigabytes}g -XX:+AlwaysPreTouch",
    }


# Every scenario's Spark configuration but the heap (`heap_conf`, which --quick makes smaller).
BASE_CONF = {
    "spark.sql.shuffle.partitions": str(harness.PARTITIONS),
    "spark.ui.enabled": "false",
    # Progress bars would interleave with the harness's own output.
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@dataclass
class SparkContender:
    """A Spark contender: `scored()` is a DataFrame of (id, p) over the cached input, timed
    as `scored().select("p")`. A `whole` contender's `scored()` is instead a whole query (an
    aggregate, a top 10: the aggregate scenario) that is timed as it stands, and whose first
    row is its entire result: that result is what gets checked."""

    key: str
    label: str
    scored: Callable[[], DataFrame]
    whole: bool = False

    def timed(self) -> DataFrame:
        """What a timed run drives through the noop sink."""
        return self.scored() if self.whole else self.scored().select("p")


class Scenario(ABC):
    name: str
    title: str
    ceiling_label: str
    # Models the scenario registers with spark-onnx (each should get one session).
    models_registered: ClassVar[int] = 1
    # Scenario-specific Spark configuration on top of BASE_CONF.
    spark_conf: ClassVar[dict[str, str]] = {}

    def __init__(self, quick: bool, workdir: Path) -> None:
        self.quick = quick
        self.workdir = workdir
        self.rows = 0

    @abstractmethod
    def prepare(self) -> None:
        """Makes the input (same seed every time) in memory and as files under workdir."""

    @abstractmethod
    def ceiling_session(self) -> object:
        """(a)'s onnxruntime session (1 intra-op thread; CORES Python threads share it, as tasks
        share the engine's session)."""

    @abstractmethod
    def ceiling_first(self, session: object) -> None:
        """(a) on the first batch only: with the session, its time to first row."""

    @abstractmethod
    def ceiling_pass(self, session: object) -> None:
        """(a) over every row."""

    @abstractmethod
    def load(self, spark: SparkSession) -> DataFrame:
        """Registers the model(s); returns the cached input (id + input column), view `bench`."""

    @abstractmethod
    def contenders(self, spark: SparkSession, df: DataFrame) -> list[SparkContender]:
        """b (DataFrame and SQL), c, d, and e where the scenario has one."""

    @abstractmethod
    def check(self, key: str, rows: list[Row]) -> None:
        """Raises CheckFailed unless `rows` (id, p) agree with onnxruntime."""

    def settings(self) -> dict[str, object]:
        return {}

    def details(self) -> dict[str, object]:
        """Scenario-specific entries for its results (the aggregate scenario's query forms)."""
        return {}

    @abstractmethod
    def model_file(self) -> Path:
        """The ONNX file spark-onnx scores (its size is the memory target's allowance)."""


class CheckFailed(SystemExit):
    pass


def require_close(key: str, got: np.ndarray, want: np.ndarray, atol: float) -> None:
    if got.shape != want.shape or not np.allclose(got, want, atol=atol):
        worst = float(np.max(np.abs(got - want))) if got.shape == want.shape else "shape"
        raise CheckFailed(f"{key}: results differ from onnxruntime (max |diff| {worst})")


def load_cached(df: DataFrame) -> DataFrame:
    """The input every Spark contender reads: in memory, one partition per core."""
    df = df.repartition(harness.PARTITIONS).cache()
    df.count()  # materialise now, so no timed run pays for reading files or the shuffle
    df.createOrReplaceTempView("bench")
    return df


def run_noop(df: DataFrame) -> None:
    # Evaluates every row, like a real write, but keeps nothing and collects nothing.
    df.write.format("noop").mode("overwrite").save()


def executed_plan(df: DataFrame) -> str:
    """The physical plan Spark runs for `df` (under adaptive execution: the final plan once
    `df` has run, the initial one before)."""
    return str(df._jdf.queryExecution().executedPlan().toString())


def session_pool(spark: SparkSession, counter: str) -> int | None:
    """A counter of spark-onnx's session pool in the driver JVM (also the executor in local
    mode): sessionsCreated (ever) or sessionsOpen (now)."""
    try:
        return int(getattr(spark.sparkContext._jvm.sparkonnx.runtime.SessionPool, counter)())
    except (Py4JError, TypeError, AttributeError):
        return None


def sessions_created(spark: SparkSession) -> int | None:
    return session_pool(spark, "sessionsCreated")


def measure_memory(
    scenario: Scenario,
    spark: SparkSession,
    ours: SparkContender,
    sampler: RssSampler,
    open_before: int = 0,
) -> dict[str, object]:
    """What scoring adds to the JVM: its RSS with the model's session created and idle (after
    registration and the first-row query), then its peak during one full run of `ours`, before
    any Python contender has run in this JVM. Also the sessions open then: one per model."""
    print(f"  memory: {ours.key} over every row ...", flush=True)
    idle, _ = sampler.take()
    run_noop(ours.timed())
    peak, _ = sampler.take()
    model_mb = scenario.model_file().stat().st_size / 2**20
    growth = peak["jvm"] - idle["jvm"] if "jvm" in peak and "jvm" in idle else None
    return {
        "contender": ours.key,
        "model_mb": round(model_mb, 1),
        "jvm_rss_idle_session_mb": idle.get("jvm"),
        "jvm_rss_peak_mb": peak.get("jvm"),
        "growth_mb": None if growth is None else round(growth, 1),
        "allowance_mb": round(model_mb + MEMORY_ALLOWANCE_MB, 1),
        "models": scenario.models_registered,
        "sessions_open": sessions_open(spark, open_before),
    }


def sessions_open(spark: SparkSession, open_before: int) -> int | None:
    """Sessions open now that were not before this scenario began."""
    now = session_pool(spark, "sessionsOpen")
    return None if now is None else now - open_before


def start_spark(name: str, conf: dict[str, str]) -> SparkSession:
    import spark_onnx

    # Python workers must import onnxruntime (and this package): run them on this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = spark_onnx.session(master=harness.MASTER, app_name=f"bench-{name}", conf=conf)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def measure_ceiling(
    scenario: Scenario, runs: int, warmups: int, sampler: RssSampler
) -> Measurement:
    print(f"  a  {scenario.ceiling_label} ...", flush=True)
    m = Measurement("a", scenario.ceiling_label, scenario.rows)
    sampler.take()
    start = time.perf_counter()
    session = scenario.ceiling_session()
    scenario.ceiling_first(session)
    m.first_row_seconds = time.perf_counter() - start
    m.seconds = harness.time_runs(lambda: scenario.ceiling_pass(session), runs, warmups)
    m.rss_peak_mb, _ = sampler.take()
    return m


def first_row_and_check(
    scenario: Scenario,
    spark: SparkSession,
    contender: SparkContender,
    spark_start: float,
    sampler: RssSampler,
) -> Measurement:
    print(f"  {contender.key:<5} {contender.label} ...", flush=True)
    m = Measurement(contender.key, contender.label, scenario.rows, jvm_sessions_open=0)
    if contender.whole:
        # An aggregate's first row is its whole result: time it once, check that result.
        query = contender.scored()
        rows: list[Row] = []
        first = harness.stopwatch(lambda: rows.extend(query.collect()))
        m.first_row_seconds = spark_start + first
        scenario.check(contender.key, rows)
    elif scenario.quick:
        # A smoke run's first query is the check's: one query of QUICK_CHECK_ROWS rows instead
        # of a first row and then a check (the quick figures are not the record's).
        rows = []
        first = harness.stopwatch(
            lambda: rows.extend(contender.scored().limit(QUICK_CHECK_ROWS).collect())
        )
        m.first_row_seconds = spark_start + first
        scenario.check(contender.key, rows)
        query = contender.timed()
    else:
        # Cold start: this process's Spark start-up plus the contender's first query on the
        # cached input (ORT session creation, Python worker start-up, first batch).
        first = harness.stopwatch(lambda: contender.scored().select("p").limit(1).collect())
        m.first_row_seconds = spark_start + first
        scenario.check(contender.key, contender.scored().limit(CHECK_ROWS).collect())
        query = contender.timed()
    if contender.key.startswith("b"):
        m.executed_plan = executed_plan(query)
    return m


def timed_run(
    spark: SparkSession,
    contender: SparkContender,
    m: Measurement,
    sampler: RssSampler,
    open_before: int = 0,
) -> float:
    """One run of `contender` over every row; its memory peaks and sessions go into `m`."""
    sampler.take()
    seconds = harness.stopwatch(lambda: run_noop(contender.timed()))
    peaks, workers = sampler.take()
    for key, value in peaks.items():
        m.rss_peak_mb[key] = max(m.rss_peak_mb.get(key, 0.0), value)
    m.python_workers = max(m.python_workers or 0, workers)
    if contender.key.startswith("b"):
        open_now = sessions_open(spark, open_before)
        m.jvm_sessions_open = None if open_now is None else max(m.jvm_sessions_open, open_now)
    return seconds


def measure_spark(
    scenario: Scenario,
    spark: SparkSession,
    contenders: list[SparkContender],
    runs: int,
    warmups: int,
    spark_start: float,
    sampler: RssSampler,
    open_before: int = 0,
) -> tuple[list[Measurement], dict[str, object]]:
    """First row and check for each contender in turn (the memory probe right after the
    first, spark-onnx's), then warm-ups and timed runs in
    rounds (b, b, c, d, b, b, c, d, ...): JIT warm-up and a neighbour's load on a shared
    machine then fall on every contender alike, not on whichever ran first or last."""
    found = []
    for contender in contenders:
        found.append(first_row_and_check(scenario, spark, contender, spark_start, sampler))
        if contender is contenders[0]:
            memory = measure_memory(scenario, spark, contender, sampler, open_before)
    print(f"  timing: {warmups} warm-up and {runs} timed round(s) ...", flush=True)
    for round_ in range(warmups + runs):
        for contender, m in zip(contenders, found):
            seconds = timed_run(spark, contender, m, sampler, open_before)
            if round_ >= warmups:
                m.seconds.append(seconds)
    return found, memory


def scenario_conf(scenario: Scenario, extra_conf: dict[str, str]) -> dict[str, str]:
    heap = heap_conf(QUICK_HEAP_GB if scenario.quick else HEAP_GB)
    return {**BASE_CONF, **heap, **scenario.spark_conf, **extra_conf}


@dataclass
class SharedSpark:
    """One Spark session for several scenarios (a quick run): its start-up time, and the
    session counters each scenario's figures are taken relative to."""

    spark: SparkSession
    start_seconds: float
    conf: dict[str, str]


def run(
    scenario: Scenario,
    runs: int,
    warmups: int,
    extra_conf: dict[str, str],
    shared: SharedSpark | None = None,
) -> dict[str, object]:
    """`scenario` from input to figures; in its own Spark session, or in `shared`'s with the
    scenario's own SQL settings for its duration."""
    began = time.perf_counter()
    print(f"[{scenario.name}] {scenario.title}: preparing input ...", flush=True)
    prepare = harness.stopwatch(scenario.prepare)
    conf = scenario_conf(scenario, extra_conf) if shared is None else dict(shared.conf)
    measurements = []
    sampler = RssSampler()
    sampler.start()
    try:
        measurements.append(measure_ceiling(scenario, runs, warmups, sampler))
        if shared is None:
            start = time.perf_counter()
            spark = start_spark(scenario.name, conf)
            spark_start = time.perf_counter() - start
        else:
            spark, spark_start = shared.spark, shared.start_seconds
            for key, value in scenario.spark_conf.items():
                spark.conf.set(key, value)
                conf[key] = value
        sampler.jvm_pid = int(spark.sparkContext._jvm.ProcessHandle.current().pid())
        idle, _ = sampler.take()
        # Sessions already open or made (a shared JVM: earlier scenarios' models).
        open_before = session_pool(spark, "sessionsOpen") or 0
        created_before = sessions_created(spark) or 0
        df = None
        try:
            start = time.perf_counter()
            df = load_cached(scenario.load(spark))
            load = time.perf_counter() - start
            contenders = scenario.contenders(spark, df)
            timed, memory = measure_spark(
                scenario, spark, contenders, runs, warmups, spark_start, sampler, open_before
            )
            measurements += timed
            total_sessions = (sessions_created(spark) or 0) - created_before
            system = spark.sparkContext._jvm.System
            java = f"{system.getProperty('java.vm.name')} {system.getProperty('java.version')}"
        finally:
            if shared is None:
                spark.stop()
            else:
                release(spark, scenario, df)
    finally:
        sampler.stop()
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "rows": scenario.rows,
        "runs": runs,
        "warmup_runs": warmups,
        "quick": scenario.quick,
        "settings": scenario.settings(),
        "spark_conf": conf,
        "spark_start_seconds": spark_start,
        "spark_shared": shared is not None,
        "prepare_seconds": prepare,
        "load_and_cache_seconds": load,
        "jvm_rss_idle_mb": idle.get("jvm"),
        "ort_sessions_created_in_jvm": total_sessions,
        "memory": memory,
        "contenders": {m.key: m.record() for m in measurements},
        **scenario.details(),
        "machine": harness.machine_info(java),
        "wall_seconds": time.perf_counter() - began,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def release(spark: SparkSession, scenario: Scenario, df: DataFrame | None) -> None:
    """A shared session after a scenario: its cache freed, its SQL settings back to default."""
    import spark_onnx

    if df is not None:
        df.unpersist(blocking=True)
    # The next scenario registers its own models (the aggregate scenario: the same name), and
    # its session counts start from none: the pool keeps idle sessions after unregistering, and
    # one for the same model bytes would be reused.
    for name in spark_onnx.registered(spark):
        spark_onnx.unregister(spark, name)
    spark.sparkContext._jvm.sparkonnx.runtime.SessionPool.closeAll()
    for key in scenario.spark_conf:
        spark.conf.unset(key)


def parse_conf(pairs: list[str]) -> dict[str, str]:
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--conf expects KEY=VALUE, got {pair!r}")
        conf[key.strip()] = value.strip()
    return conf


def main(scenario_class: type[Scenario]) -> int:
    parser = argparse.ArgumentParser(description=scenario_class.title)
    parser.add_argument("--quick", action="store_true", help="smoke sizes")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per contender")
    parser.add_argument("--warmups", type=int, default=1, help="untimed runs before those")
    parser.add_argument("--json", type=Path, required=True, help="where to write the result")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=f"bench-{scenario_class.name}-") as tmp:
        scenario = scenario_class(args.quick, Path(tmp))
        result = run(scenario, args.runs, args.warmups, parse_conf(args.conf))
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0
