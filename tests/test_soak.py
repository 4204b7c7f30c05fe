"""The soak: 10 minutes in CI (CI=true), or SPARK_ONNX_SOAK_MINUTES; skipped otherwise, since a
shorter run measures the JVM's warm-up, not leaks. The 30-minute variant is
`.venv/bin/python benchmarks/soak.py --minutes 30`. Native memory stays flat, nothing left open."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import DIGITS, ROOT

CONFIGURED = os.environ.get("SPARK_ONNX_SOAK_MINUTES", "10" if os.environ.get("CI") else "")
MINUTES = float(CONFIGURED or 0)


@pytest.mark.skipif(not CONFIGURED, reason="the soak runs in CI, or with SPARK_ONNX_SOAK_MINUTES")
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
        ],
        capture_output=True,
        text=True,
        timeout=int(MINUTES * 60) + 300,
        check=False,
    )
    print(done.stdout)
    result = json.loads(out.read_text())
    assert result["open_tensors"] == 0 and result["open_results"] == 0
    assert result["growth"] <= 0.05, result["growth"]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
