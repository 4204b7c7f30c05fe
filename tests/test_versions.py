"""Spark and ONNX Runtime are pinned once, in pyproject.toml: the jar must have been built
against exactly what the Python package installs."""

from __future__ import annotations

import re
import zipfile
from importlib.metadata import version
from pathlib import Path

from spark_onnx import bundled_jars

ROOT = Path(__file__).resolve().parents[1]


def pins() -> dict[str, str]:
    """Exact pins in pyproject.toml, read the way build.sbt reads them."""
    text = (ROOT / "pyproject.toml").read_text()
    return dict(re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^";]+)"', text))


def jar_build_properties() -> dict[str, str]:
    jar = next(j for j in bundled_jars() if Path(j).name.startswith("spark-onnx_"))
    with zipfile.ZipFile(jar) as archive:
        text = archive.read("sparkonnx/build.properties").decode()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_spark_is_pinned_once_and_everything_agrees():
    pinned = pins()
    built = jar_build_properties()
    assert built["sparkVersion"] == pinned["pyspark"] == version("pyspark")
    assert built["scalaBinaryVersion"] == "2.13"


def test_onnxruntime_java_and_python_are_the_same_release():
    pinned = pins()
    built = jar_build_properties()
    assert built["onnxRuntimeVersion"] == pinned["onnxruntime"] == version("onnxruntime")
    ort_jars = [Path(j).name for j in bundled_jars() if "onnxruntime-" in Path(j).name]
    assert ort_jars == [f"onnxruntime-{pinned['onnxruntime']}.jar"]
