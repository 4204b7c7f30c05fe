"""Timing, medians, memory sampling and machine facts shared by every scenario."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MASTER = "local[2]"
# One partition per local core: both task slots stay busy and no task waits for a second wave.
PARTITIONS = 2
CORES = 2


@dataclass
class Measurement:
    """Everything measured for one contender in one scenario."""

    key: str
    label: str
    rows: int
    seconds: list[float] = field(default_factory=list)
    first_row_seconds: float | None = None
    rss_peak_mb: dict[str, float] = field(default_factory=dict)
    # spark-onnx only: ORT sessions open in the JVM after a run (one per model per executor).
    jvm_sessions_open: int | None = None
    python_workers: int | None = None
    # spark-onnx only: the physical plan of the timed query (the aggregate scenario asks
    # whether the calls run batched, in OnnxEval, or row by row inside another operator).
    executed_plan: str | None = None

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_seconds

    def record(self) -> dict[str, object]:
        return {
            "label": self.label,
            "rows": self.rows,
            "seconds": self.seconds,
            "median_seconds": self.median_seconds,
            "rows_per_second": self.rows_per_second,
            "first_row_seconds": self.first_row_seconds,
            "rss_peak_mb": self.rss_peak_mb,
            "jvm_sessions_open": self.jvm_sessions_open,
            "python_workers": self.python_workers,
            # OnnxEvalExec prints as `OnnxEval`: the calls run batched, not row by row.
            "onnx_eval_in_plan": None
            if self.executed_plan is None
            else "OnnxEval" in self.executed_plan,
            "executed_plan": self.executed_plan,
        }


def time_runs(run: Callable[[], object], runs: int, warmups: int = 1) -> list[float]:
    """Seconds of each of `runs` calls to `run`, after `warmups` untimed calls (session
    creation, Python worker start-up, JIT: costs a long-running job pays once)."""
    for _ in range(warmups):
        run()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


_POOL: ThreadPoolExecutor | None = None


def on_cores(function: Callable[[int], object], items: range) -> None:
    """`function` over `items` on CORES threads (onnxruntime and PIL release the GIL)."""
    global _POOL
    _POOL = _POOL or ThreadPoolExecutor(CORES, thread_name_prefix="ceiling")
    for _ in _POOL.map(function, items):
        pass


def stopwatch(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# --- memory ------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """VmRSS of `pid` in MiB; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def python_descendants(root: int, forked_only: bool = False) -> list[int]:
    """Every Python process below `root` (the JVM's pyspark.daemon and the workers it forks);
    `forked_only`: the workers alone, the processes that run UDFs, not the daemon."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command may contain spaces and parentheses: ppid is the 2nd field after ')'.
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            if not (forked_only and parent == root):
                found.append(child)
            todo.append(child)
    return [pid for pid in found if _is_python(pid)]


def _is_python(pid: int) -> bool:
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class RssSampler:
    """Samples VmRSS of this process, the Spark JVM and the JVM's Python workers in a
    background thread; `take()` returns the peaks since the last `take()` and starts anew.

    Forked workers share pages with the daemon, so the workers' sum counts shared pages more
    than once: an upper bound."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.jvm_pid: int | None = None
        self._lock = threading.Lock()
        self._peaks: dict[str, float] = {}
        self._workers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        now = {"benchmark_process": rss_mb(os.getpid())}
        workers: list[int] = []
        if self.jvm_pid is not None:
            now["jvm"] = rss_mb(self.jvm_pid)
            now["python_workers"] = sum(rss_mb(pid) for pid in python_descendants(self.jvm_pid))
            workers = python_descendants(self.jvm_pid, forked_only=True)
        with self._lock:
            for key, value in now.items():
                self._peaks[key] = max(self._peaks.get(key, 0.0), value)
            self._workers.update(workers)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def take(self) -> tuple[dict[str, float], int]:
        """(peak MiB per process group, Python worker processes seen) since the last take."""
        self.sample()
        with self._lock:
            peaks = {key: round(value, 1) for key, value in self._peaks.items()}
            workers = len(self._workers)
            self._peaks, self._workers = {}, set()
        return peaks, workers


# --- machine -----------------------------------------------------------------------------------


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


def cpu_times() -> list[int] | None:
    """The machine's CPU time counters (/proc/stat's first line, in clock ticks: user, nice,
    system, idle, iowait, irq, softirq, steal, ...); None where there is no /proc."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    return [int(v) for v in first[1:]] if first and first[0] == "cpu" else None


def stolen_percent(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of CPU time between two readings that the hypervisor gave to other guests
    (steal), in percent; None when unknown."""
    if not before or not after or len(before) < 8 or len(after) < 8:
        return None
    # guest and guest_nice (fields 9-10) are already counted in user and nice.
    total = sum(after[:8]) - sum(before[:8])
    return round(100.0 * (after[7] - before[7]) / total, 1) if total > 0 else None


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError):
        pass
    return None


def java_command() -> str:
    # Spark launches $JAVA_HOME/bin/java when JAVA_HOME is set, else the java on PATH.
    home = os.environ.get("JAVA_HOME")
    return str(Path(home) / "bin" / "java") if home else "java"


def machine_info(java: str | None = None) -> dict[str, object]:
    """`java`: the Spark JVM's own version when known (saves starting another JVM)."""
    import onnxruntime
    import pyspark

    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "java": java or first_line([java_command(), "-version"]),
        "spark": pyspark.__version__,
        "onnxruntime": onnxruntime.__version__,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def display_path(path: Path) -> str:
    """`path` relative to the repository when inside it, so results do not name a home dir."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(path)
