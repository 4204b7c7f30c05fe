"""Soak: score continuously for N minutes on local[2] and watch the JVM's native memory (RSS
minus the committed heap: ONNX Runtime's allocations never show in the heap). Passes when,
after warm-up, native memory grows by at most 5 % and no tensor or result is left open.

    .venv/bin/python benchmarks/soak.py --minutes 30      # the long variant
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

QUERY = """
SELECT sum(CAST(p[0] * 1000 AS BIGINT)) FROM (
  SELECT onnx_predict('digits', transform(sequence(0, 63), i -> CAST((id + i) % 17 AS FLOAT))) AS p
  FROM range(0, {rows}, 1, 4))
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", default="models/digits.onnx")
    parser.add_argument("--out", default="benchmarks/out/soak.json")
    parser.add_argument("--max-growth", type=float, default=0.05)
    # Rows per query: the short soak in bin/test uses fewer, for enough samples in 20 s.
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)

    import os

    import spark_onnx

    # glibc grows one malloc arena per thread that allocates: ORT's and Spark's threads make
    # RSS wander by ~100 MB without any leak. Two arenas is the usual setting for JVM services.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    # The heap fixed at 1 GB and touched at start-up: RSS minus the heap is then native memory
    # alone. A heap that grows and is touched as it goes (G1 commits ~220 MB here, touching pages
    # as regions fill) would add its newly touched pages to "native", ~90 MB either way from one
    # reading to the next: a short soak's early floor could land 30-60 % below its late one.
    spark = spark_onnx.session(
        conf={
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.memory": "1g",
            "spark.driver.extraJavaOptions": "-Xms1g -XX:+AlwaysPreTouch",
        }
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(spark, "digits", args.model)
    jvm = spark.sparkContext._jvm
    pid = int(jvm.ProcessHandle.current().pid())
    runtime = jvm.java.lang.Runtime.getRuntime()

    # One query before the clock: the session, code generation and the JIT's first pass are
    # warm-up, not part of the run (the samples of the first fifth are set aside as well).
    spark.sql(QUERY.format(rows=args.rows)).collect()
    started = time.time()
    deadline = started + args.minutes * 60
    samples, queries = [], 0
    while time.time() < deadline:
        spark.sql(QUERY.format(rows=args.rows)).collect()
        queries += 1
        jvm.System.gc()
        rss, heap = rss_kib(pid) * 1024, int(runtime.totalMemory())
        samples.append(
            {
                "seconds": round(time.time() - started, 1),
                "rss": rss,
                "heap": heap,
                "native": rss - heap,
            }
        )
    stats = spark.sql("SELECT onnx_runtime_stats() AS s").first().s
    spark.stop()

    # The floor of each window, not single samples nor medians: one query's buffers and arenas
    # (freed by a later GC) make consecutive readings swing by ~300 MB, often query by query, so
    # a window's median lands on either level. What a leak raises is what stays: the lowest
    # reading of the late window against that of the early one.
    def floor(window: list[dict]) -> dict:
        return min(window, key=lambda s: s["native"])

    settled = samples[max(1, len(samples) // 5) :] or samples
    quarter = max(1, len(settled) // 4)
    warm, end = floor(settled[:quarter]), floor(settled[-quarter:])
    growth = (end["native"] - warm["native"]) / warm["native"]
    result = {
        "minutes": args.minutes,
        "queries": queries,
        "rows_scored": queries * args.rows,
        "native_after_warmup_mib": round(warm["native"] / 2**20, 1),
        "native_end_mib": round(end["native"] / 2**20, 1),
        "rss_start_mib": round(samples[0]["rss"] / 2**20, 1),
        "rss_end_mib": round(end["rss"] / 2**20, 1),
        "growth": round(growth, 4),
        "open_tensors": stats.openTensors,
        "open_results": stats.openResults,
        "samples": samples,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    ok = growth <= args.max_growth and stats.openTensors == 0 and stats.openResults == 0
    print(
        f"soak {args.minutes} min: {queries} queries, native {result['native_after_warmup_mib']} -> "
        f"{result['native_end_mib']} MiB after warm-up ({growth:+.1%}), RSS {result['rss_start_mib']} -> "
        f"{result['rss_end_mib']} MiB, open tensors {stats.openTensors}: {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
