"""A progress line on stderr for long `spark-onnx predict` runs: rows done, rows/s and the time
left. Rows come from Spark's monitoring REST API (the stages' input records, which executors
report with every heartbeat), the total from the input's own metadata, before Spark starts."""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from pathlib import Path


def total_rows(path: str, fmt: str, image_files: int | None = None) -> tuple[int | None, bool]:
    """(rows, exact): Parquet footers exactly; a CSV estimated from its size and first lines."""
    if fmt == "images":
        return image_files, True
    source = Path(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        files = [source] if source.is_file() else sorted(source.rglob("*.parquet"))
        return sum(pq.read_metadata(f).num_rows for f in files), True
    size = source.stat().st_size
    with open(source, "rb") as f:
        head = f.read(1 << 16)
    lines = head.count(b"\n")
    if lines < 2:
        return None, False
    return max(int(size / (len(head) / lines)) - 1, 0), False


class Progress:
    """Prints a line every `every` seconds while a job runs; the first after `every` seconds,
    so short runs print none."""

    def __init__(
        self, spark, group: str, total: int | None, exact: bool, every: float, stream=None
    ):
        """`group`: the job group (`SparkContext.setJobGroup`) of the jobs to follow."""
        self.spark, self.group, self.total, self.exact = spark, group, total, exact
        self.every = every
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="spark-onnx progress", daemon=True)
        self.printed = 0

    def __enter__(self):
        if self.every > 0:
            self.started = time.time()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.tty and self.printed:
            self.stream.write("\n")

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            records = self._records()
            if records is not None:
                self._print(records, time.time() - self.started)

    def _print(self, rows: int, seconds: float) -> None:
        rate = rows / seconds if seconds > 0 else 0.0
        total = "" if self.total is None else f" / {'' if self.exact else '~'}{self.total:,}"
        if self.total and rate > 0:
            eta = f"ETA {max(self.total - rows, 0) / rate:,.0f} s"
        else:
            eta = "ETA unknown"
        line = f"progress: {rows:,}{total} rows, {rate:,.0f} rows/s, {eta}"
        self.stream.write(("\r" + line) if self.tty else (line + "\n"))
        self.stream.flush()
        self.printed += 1

    def _records(self) -> int | None:
        """Input records of the stages of this job group's jobs, from the driver's REST API;
        None without a UI. (Jobs run before, such as a CSV's schema inference, are not ours.)"""
        context = self.spark.sparkContext
        url = context.uiWebUrl
        if not url:
            return None
        base = f"{url}/api/v1/applications/{context.applicationId}"
        try:
            jobs = _get(f"{base}/jobs")
            ours = {s for j in jobs if j.get("jobGroup") == self.group for s in j["stageIds"]}
            stages = _get(f"{base}/stages") if ours else []
        except (OSError, ValueError, KeyError):
            return None
        return sum(int(s.get("inputRecords", 0)) for s in stages if s["stageId"] in ours)


def _get(address: str):
    with urllib.request.urlopen(address, timeout=5) as response:
        return json.load(response)
