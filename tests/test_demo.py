"""README command 1's job, as `bin/demo` runs it (the transfer part smaller): the digits'
accuracy on Spark equals ONNX Runtime's, the transfer-learning search learns, and the output is
quiet (no Spark log line below ERROR, no stack trace) and timed. One Spark start for both parts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_demo_scores_digits_learns_transfer_and_stays_quiet(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spark_onnx.cli",
            "demo",
            "--models-dir",
            str(ROOT / "models"),
            "--transfer",
            "--images",
            "160",
            "--out",
            str(tmp_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    spark = re.search(r"onnx_predict on Spark:\s+([0-9.]+)", done.stdout).group(1)
    direct = re.search(r"onnxruntime directly:\s+([0-9.]+)", done.stdout).group(1)
    assert spark == direct
    assert float(spark) > 0.9
    assert "Spark and ONNX Runtime agree." in done.stdout

    accuracy = float(done.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.6
    assert Image.open(tmp_path / "transfer_confusion.png").size[0] > 400
    assert (tmp_path / "transfer_pipeline" / "metadata").is_dir()

    assert re.search(r"^Spark started in [0-9.]+ s", done.stdout, re.MULTILINE)
    assert re.search(
        r"^demo done in [0-9]+ s \(Spark start-up [0-9]+ s\)$", done.stdout, re.MULTILINE
    )
    everything = done.stdout + done.stderr
    for noise in (" WARN ", " INFO ", "netlib", "Setting default log level", "\tat "):
        assert noise not in everything, (noise, everything[-3000:])
