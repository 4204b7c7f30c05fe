"""Where the JVM side of spark-onnx lives: the jars bundled inside this package."""

from __future__ import annotations

from pathlib import Path

JARS_DIR = Path(__file__).resolve().parent / "jars"
EXTENSION_CLASS = "sparkonnx.SparkOnnxExtensions"
BUILD_COMMAND = "bin/sbt sparkOnnx/pythonJars  (or bin/setup, from a spark-onnx checkout)"


class MissingJarError(RuntimeError):
    """The spark-onnx jar, or a jar it needs beyond Spark's, is not inside the installed package."""


# The jars spark-onnx needs beyond Spark's own, by file name prefix: ONNX Runtime, and Hugging
# Face tokenizers through DJL (its api and JNA; Spark ships gson, commons-compress and slf4j).
DEPENDENCIES = (
    ("onnxruntime-", "onnxruntime-<version>.jar"),
    ("tokenizers-", "tokenizers-<version>.jar (ai.djl.huggingface)"),
    ("api-", "api-<version>.jar (ai.djl)"),
    ("jna-", "jna-<version>.jar"),
)


def bundled_jars() -> list[str]:
    """Absolute paths of the extension jar and the jars it needs, extension first."""
    found = sorted(JARS_DIR.glob("*.jar")) if JARS_DIR.is_dir() else []
    ours = [j for j in found if j.name.startswith("spark-onnx_")]
    needed = [
        (what, [j for j in found if j.name.startswith(prefix)]) for prefix, what in DEPENDENCIES
    ]
    missing = [
        what for what, jars in [("spark-onnx_2.13-<version>.jar", ours), *needed] if not jars
    ]
    if missing:
        raise MissingJarError(
            f"spark-onnx cannot start: {', '.join(missing)} missing from {JARS_DIR}. "
            f"Build and copy the jars with: {BUILD_COMMAND}"
        )
    return [str(j) for j in ours + [jar for _, jars in needed for jar in jars]]
