"""The short soak bin/test runs: under a minute of continuous scoring (SPARK_ONNX_SOAK_MINUTES
changes it). It catches what leaks per batch or per query (a tensor or result left open, native
memory climbing) and allows more growth than the long soak, since a minute is still mostly the
JVM's warm-up (JIT code, arenas). The long soak is its own command: `bin/soak` (30 minutes,
at most 5 % growth after warm-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import DIGITS, ROOT

MINUTES = float(os.environ.get("SPARK_ONNX_SOAK_MINUTES", "0.75"))
# Past ten minutes the JVM has settled: the long soak's bound.
MAX_GROWTH = 0.05 if MINUTES >= 10 else 0.15


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
        ],
        capture_output=True,
        text=True,
        timeout=int(MINUTES * 60) + 300,
        check=False,
    )
    print(done.stdout)
    result = json.loads(out.read_text())
    assert result["queries"] >= 5, result["queries"]  # enough samples for the windows
    assert result["open_tensors"] == 0 and result["open_results"] == 0
    assert result["growth"] <= MAX_GROWTH, result["growth"]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
