"""What README command 1's job (`spark-onnx demo --transfer`, run by `bin/demo`) must print: the
digits' accuracy on Spark equals ONNX Runtime's, the transfer-learning search learns, and the
output is quiet (no Spark log line below ERROR, no stack trace) and timed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from PIL import Image

# The transfer-learning part on 100 photos, not bin/demo's default: the same code, less time
# (test accuracy 0.88 on its 34 test images, where check_demo_output asks for 0.6).
DEMO_ARGS = ["demo", "--transfer", "--images", "100"]


def check_demo_output(done: subprocess.CompletedProcess, out: Path) -> None:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    spark = re.search(r"onnx_predict on Spark:\s+([0-9.]+)", done.stdout).group(1)
    direct = re.search(r"onnxruntime directly:\s+([0-9.]+)", done.stdout).group(1)
    assert spark == direct
    assert float(spark) > 0.9
    assert "Spark and ONNX Runtime agree." in done.stdout

    accuracy = float(done.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.6
    assert Image.open(out / "transfer_confusion.png").size[0] > 400
    assert (out / "transfer_pipeline" / "metadata").is_dir()

    assert re.search(r"^Spark started in [0-9.]+ s", done.stdout, re.MULTILINE)
    assert re.search(
        r"^demo done in [0-9]+ s \(Spark start-up [0-9]+ s\)$", done.stdout, re.MULTILINE
    )
    everything = done.stdout + done.stderr
    for noise in (" WARN ", " INFO ", "netlib", "Setting default log level", "\tat "):
        assert noise not in everything, (noise, everything[-3000:])
