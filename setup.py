"""The one build step pyproject.toml cannot express: a wheel (or sdist) of spark-onnx must carry
the JVM jars, which sbt builds and git ignores, and the sample model the README scores.

Where the jars come from, in order: $SPARK_ONNX_JARS_FROM (a folder a packager built them into);
`bin/sbt sparkOnnx/pythonJars` when this is a checkout (or a `git archive` of one; sbt is
incremental, so an up-to-date build costs its start-up only); else the jars already inside
python/spark_onnx/jars (an sdist, which carries them). Anything else stops the build with a
message that says how, instead of a wheel that fails when Spark starts.
Editable installs (`pip install -e .`, bin/setup) skip all this: bin/setup builds the jars.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
JARS = ROOT / "python" / "spark_onnx" / "jars"


def _dependency_prefixes() -> tuple[str, ...]:
    """The jars the package needs beyond Spark's, as python/spark_onnx/_jars.py lists them (read
    from that file: the package itself cannot be imported before it is built)."""
    spec = importlib.util.spec_from_file_location(
        "_jars", ROOT / "python" / "spark_onnx" / "_jars.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(prefix for prefix, _ in module.DEPENDENCIES)


JAR_PREFIXES = ("spark-onnx_", *_dependency_prefixes())
# Files copied into the package at build time: in the checkout they live with the scripts that
# build them (models/digits.py), so they are not duplicated under python/.
SAMPLES = {"digits.onnx": ROOT / "models" / "digits.onnx"}
HOW = (
    "build them first with `bin/sbt sparkOnnx/pythonJars` in a spark-onnx checkout (Java 17+; "
    "bin/sbt fetches sbt itself), or set SPARK_ONNX_JARS_FROM to a folder holding "
    "spark-onnx_2.13-<version>.jar and the jars it needs (onnxruntime, DJL tokenizers, api, jna)"
)


def _jars_in(folder: Path) -> list[Path]:
    return [j for j in sorted(folder.glob("*.jar")) if j.name.startswith(JAR_PREFIXES)]


def _stop(problem: str) -> None:
    raise SystemExit(f"spark-onnx build: {problem}; {HOW}.")


def ensure_jars() -> None:
    source = os.environ.get("SPARK_ONNX_JARS_FROM")
    if source:
        found = _jars_in(Path(source))
        if not found:
            _stop(f"SPARK_ONNX_JARS_FROM={source} holds none of the jars")
        JARS.mkdir(parents=True, exist_ok=True)
        for old in _jars_in(JARS):
            old.unlink()
        for jar in found:
            shutil.copy2(jar, JARS / jar.name)
    elif (ROOT / "bin" / "sbt").is_file() and (ROOT / "jvm" / "src").is_dir():
        print("spark-onnx build: bin/sbt sparkOnnx/pythonJars", file=sys.stderr, flush=True)
        done = subprocess.run(
            ["bash", str(ROOT / "bin" / "sbt"), "sparkOnnx/pythonJars"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            _stop(f"bin/sbt sparkOnnx/pythonJars failed (exit code {done.returncode})")
    names = [j.name for j in _jars_in(JARS)]
    for prefix in JAR_PREFIXES:
        if sum(n.startswith(prefix) for n in names) != 1:
            _stop(f"expected one {prefix}<version>.jar in {JARS}, found {names or 'none'}")


class BuildWithJars(build_py):
    def run(self):
        if not self.editable_mode:
            ensure_jars()
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib) / "spark_onnx" / "samples"
            for name, source in SAMPLES.items():
                if not source.is_file():
                    raise SystemExit(
                        f"spark-onnx build: {source} is missing; build it with "
                        "`python models/build_models.py --if-missing`."
                    )
                shutil.copy2(source, target / name)


class SdistWithJars(sdist):
    def run(self):
        ensure_jars()
        super().run()


setup(cmdclass={"build_py": BuildWithJars, "sdist": SdistWithJars})
