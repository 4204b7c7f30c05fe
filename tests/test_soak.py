"""The short soak bin/test runs: 20 seconds of continuous scoring (SPARK_ONNX_SOAK_MINUTES
changes it). It catches a tensor or result left open (ONNX Runtime's own counters, exact) and a
gross native leak; so short a run is still mostly the JVM's warm-up (JIT code, metaspace: native
memory rises steadily by ~5 % over its 20 s, 340 -> 363 MiB, in three runs on a 2-core machine
with the heap pre-touched, as soak.py runs it), so its growth bound is loose. The slow leaks only
a flat line over half an hour shows are the long soak's: `bin/soak` (30 minutes, at most 5 %
growth after warm-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import DIGITS, ROOT

# 20 s: dozens of queries on a quiet machine; the warm-up query comes before the clock.
MINUTES = float(os.environ.get("SPARK_ONNX_SOAK_MINUTES", "0.33"))
# Past ten minutes the JVM has settled: the long soak's bound; before, warm-up dominates: 5x
# the short run's measured growth.
MAX_GROWTH = 0.05 if MINUTES >= 10 else 0.25


def test_soak_native_memory_stays_flat(tmp_path):
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "soak.py"),
            "--minutes",
            str(MINUTES),
            "--model",
            str(DIGITS),
            "--out",
            str(out),
            "--max-growth",
            str(MAX_GROWTH),
            # Smaller queries than the long soak's 200,000 rows: many samples in 20 s, even
            # on a busy machine; every query still runs hundreds of batches.
            "--rows",
            "200000" if MINUTES >= 10 else "20000",
        ],
        capture_output=True,
        text=True,
        timeout=int(MINUTES * 60) + 300,
        check=False,
        # The JVM as a long job runs it, with C2 (its code cache and all): not the suite's
        # C1-only test JVMs (conftest.py), whose memory and pace a soak is not about.
        env={k: v for k, v in os.environ.items() if k != "SPARK_SUBMIT_OPTS"},
    )
    print(done.stdout)
    result = json.loads(out.read_text())
    # Enough samples for an early and a late window (dozens on a quiet machine).
    assert result["queries"] >= 3, result["queries"]
    assert result["open_tensors"] == 0 and result["open_results"] == 0
    assert result["growth"] <= MAX_GROWTH, result["growth"]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
