"""The peers' own environment, built once under benchmarks/out (git-ignored) and reused offline:
a venv with PySpark 3.5 (SynapseML 1.1.0 is built for Spark 3.5 and Scala 2.12, not the Spark 4
this project runs on) and the SynapseML jars with their dependencies from Maven Central,
resolved by Spark's own `spark.jars.packages` into an Ivy folder.

SynapseML 1.1.0 depends on `onnxruntime_gpu` 1.8.1, whose runtime reads ONNX IR versions up to 7:
the zoo's MobileNetV2 is IR 9 and cannot load. So the GPU jar is excluded and the ONNX Runtime
jar this project uses (`ORT_JAR`) goes first on the peers' classpath instead; the report says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from benchmarks import harness

OUT = harness.REPO / "benchmarks" / "out"
VENV = OUT / "peers-venv"
# One Ivy folder per peer: a peer's classpath is every jar in its folder.
IVY = OUT / "peers-ivy"
SPARK_NLP_IVY = OUT / "peers-ivy-spark-nlp"
PYTHON = VENV / "bin" / "python"

# What the peers' venv installs (PyPI): Spark 3.5 for SynapseML, numpy/pandas/pyarrow to read
# and write the same inputs and hand the outputs back.
REQUIREMENTS = ("pyspark==3.5.*", "numpy<2.3", "pandas<2.3", "pyarrow<19")
SYNAPSEML = "com.microsoft.azure:synapseml-deep-learning_2.12:1.1.0"
ORT_GPU = "com.microsoft.onnxruntime:onnxruntime_gpu"
ORT_VERSION = "1.29.0"
ORT = f"com.microsoft.onnxruntime:onnxruntime:{ORT_VERSION}"
ORT_JAR = f"com.microsoft.onnxruntime_onnxruntime-{ORT_VERSION}.jar"
SPARK_NLP = "com.johnsnowlabs.nlp:spark-nlp_2.12:5.5.3"
# Spark NLP's native engines live in John Snow Labs' own repository, not on Maven Central, so Ivy
# reports them "not found": resolved without them, Spark NLP's ONNX path is what is left to try.
SPARK_NLP_NOT_ON_CENTRAL = (
    "com.johnsnowlabs.nlp:tensorflow-cpu_2.12",
    "com.johnsnowlabs.nlp:jsl-llamacpp-cpu_2.12",
    "com.johnsnowlabs.nlp:jsl-openvino-cpu_2.12",
)
# BertEmbeddings' classes name TensorFlow Java's buffer types even on the ONNX path; the missing
# tensorflow-cpu jar bundles them, and Maven Central has them on their own.
TENSORFLOW_NDARRAY = "org.tensorflow:ndarray:0.4.0"

# Run inside the peers' venv: a Spark 3.5 session that makes Ivy fetch the packages.
RESOLVE = """
import sys
from pyspark.sql import SparkSession
packages, excludes, ivy = sys.argv[1:4]
builder = (SparkSession.builder.master("local[1]")
           .config("spark.jars.packages", packages)
           .config("spark.jars.ivy", ivy)
           .config("spark.ui.enabled", "false"))
if excludes:
    builder = builder.config("spark.jars.excludes", excludes)
spark = builder.getOrCreate()
spark.stop()
"""


def log(message: str) -> None:
    print(f"[peers] {message}", flush=True)


def ensure_venv() -> Path:
    if not PYTHON.exists():
        log(f"creating {harness.display_path(VENV)} (pyspark 3.5 for SynapseML) ...")
        venv.create(VENV, with_pip=True)
    done = subprocess.run(
        [str(PYTHON), "-c", "import pyspark, numpy, pandas, pyarrow"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        log("installing " + ", ".join(REQUIREMENTS) + " ...")
        subprocess.run(
            [str(PYTHON), "-m", "pip", "install", "-q", *REQUIREMENTS],
            check=True,
        )
    return PYTHON


def resolved(packages: tuple[str, ...], ivy: Path) -> bool:
    folder = ivy / "jars"
    names = {p.name for p in folder.glob("*.jar")} if folder.exists() else set()
    return all(any(n.startswith(package_jar_prefix(p)) for n in names) for p in packages)


def package_jar_prefix(package: str) -> str:
    group, artifact, version = package.split(":")
    return f"{group}_{artifact}-{version}"


def ensure_jars(packages: tuple[str, ...], ivy: Path, excludes: str = ORT_GPU) -> list[Path]:
    """Every jar `packages` need (resolved once; then read from the Ivy folder, offline)."""
    if not resolved(packages, ivy):
        log(f"resolving {', '.join(packages)} from Maven Central into {ivy} ...")
        ivy.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(ensure_venv()), "-c", RESOLVE, ",".join(packages), excludes, str(ivy)],
            check=True,
            env=peer_env(),
        )
    return sorted((ivy / "jars").glob("*.jar"))


def peer_env() -> dict[str, str]:
    """The environment a peers' process runs in: nothing of this project's Spark or packages."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARK_HOME")}


def synapseml_classpath() -> tuple[list[Path], Path]:
    """(SynapseML and its dependencies without ONNX Runtime, the ONNX Runtime jar to put first)."""
    jars = ensure_jars((SYNAPSEML, ORT), IVY)
    ort = [j for j in jars if j.name == ORT_JAR]
    if not ort:
        raise SystemExit(f"[peers] {ORT_JAR} missing from {IVY / 'jars'}")
    others = [j for j in jars if "onnxruntime" not in j.name]
    return others, ort[0]


def spark_nlp_classpath() -> list[Path]:
    return ensure_jars(
        (SPARK_NLP, TENSORFLOW_NDARRAY),
        SPARK_NLP_IVY,
        excludes=",".join(SPARK_NLP_NOT_ON_CENTRAL),
    )


if __name__ == "__main__":
    ensure_venv()
    rest, first = synapseml_classpath()
    print(f"SynapseML: {len(rest)} jars + {first.name}", file=sys.stderr)
    if "--spark-nlp" in sys.argv:
        print(f"Spark NLP: {len(spark_nlp_classpath())} jars", file=sys.stderr)
