"""README command 1's job: the demo's Spark accuracy equals ONNX Runtime's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_scores_digits_and_matches_onnxruntime():
    done = subprocess.run(
        [sys.executable, "-m", "spark_onnx.cli", "demo", "--models-dir", str(ROOT / "models")],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    spark = re.search(r"onnx_predict on Spark:\s+([0-9.]+)", done.stdout).group(1)
    direct = re.search(r"onnxruntime directly:\s+([0-9.]+)", done.stdout).group(1)
    assert spark == direct
    assert float(spark) > 0.9
    assert "Spark and ONNX Runtime agree." in done.stdout
