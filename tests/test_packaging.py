"""The wheel carries the jars, and a missing jar is one clear sentence."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import spark_onnx._jars as jars

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_the_extension_and_onnxruntime_jars(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("spark_onnx-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("spark_onnx/jars/")}
    assert {Path(j).name for j in jars.bundled_jars()} == shipped
    assert "spark_onnx/functions.py" in names


def test_missing_jars_name_the_file_and_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setattr(jars, "JARS_DIR", tmp_path)
    with pytest.raises(jars.MissingJarError) as caught:
        jars.bundled_jars()
    message = str(caught.value)
    assert "spark-onnx_2.13-<version>.jar" in message
    assert "onnxruntime-<version>.jar" in message
    assert str(tmp_path) in message
    assert "bin/sbt sparkOnnx/pythonJars" in message
