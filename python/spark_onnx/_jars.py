"""Where the JVM side of spark-onnx lives: the jars bundled inside this package."""

from __future__ import annotations

import shlex
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


def submit_options() -> list[str]:
    """The spark-submit options that enable spark-onnx in a Spark started outside Python
    (spark-sql, spark-shell, spark-submit, a Thrift or Spark Connect server): the bundled jars,
    the extension, and the folders of the shipped models, so zoo and sample names resolve."""
    from .config import ZOO_DIRS_CONF, shipped_model_folders

    options = [
        "--jars",
        ",".join(bundled_jars()),
        "--conf",
        f"spark.sql.extensions={EXTENSION_CLASS}",
    ]
    folders = shipped_model_folders()
    if folders:
        options += ["--conf", f"{ZOO_DIRS_CONF}={','.join(folders)}"]
    return options


def spark_submit_line(program: str = "spark-sql") -> str:
    """`program` with `submit_options()`, quoted for a POSIX shell, ready to paste."""
    return shlex.join([program, *submit_options()])


def report() -> str:
    """What `spark-onnx jars` prints: the jar paths, then a spark-sql line that uses them."""
    return "\n".join(
        [
            *bundled_jars(),
            "",
            "# spark-onnx in spark-sql (or spark-shell, spark-submit, start-connect-server.sh):",
            spark_submit_line(),
        ]
    )
