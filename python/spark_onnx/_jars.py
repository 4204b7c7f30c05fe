"""Where the JVM side of spark-onnx lives: the jars bundled inside this package."""

from __future__ import annotations

from pathlib import Path

JARS_DIR = Path(__file__).resolve().parent / "jars"
EXTENSION_CLASS = "sparkonnx.SparkOnnxExtensions"
BUILD_COMMAND = "bin/sbt sparkOnnx/pythonJars  (or bin/setup, from a spark-onnx checkout)"


class MissingJarError(RuntimeError):
    """The spark-onnx or ONNX Runtime jar is not inside the installed package."""


def bundled_jars() -> list[str]:
    """Absolute paths of the extension jar and the ONNX Runtime jar, extension first."""
    found = sorted(JARS_DIR.glob("*.jar")) if JARS_DIR.is_dir() else []
    ours = [j for j in found if j.name.startswith("spark-onnx_")]
    ort = [j for j in found if j.name.startswith("onnxruntime-")]
    missing = [
        what
        for what, jars in (
            ("spark-onnx_2.13-<version>.jar", ours),
            ("onnxruntime-<version>.jar", ort),
        )
        if not jars
    ]
    if missing:
        raise MissingJarError(
            f"spark-onnx cannot start: {', '.join(missing)} missing from {JARS_DIR}. "
            f"Build and copy the jars with: {BUILD_COMMAND}"
        )
    return [str(j) for j in ours + ort]
