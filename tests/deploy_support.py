"""What the deployment tests share: the bin/ scripts run as a user runs them (each in its own
run folder and on free loopback ports, so parallel runs and a user's own cluster never clash),
spark-submit with spark-onnx, and the check that `down` left none of its processes behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyspark

import spark_onnx
from conftest import TEST_JVM_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests"
SPARK_HOME = Path(pyspark.__file__).resolve().parent
EXTENSION = "sparkonnx.SparkOnnxExtensions"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment() -> dict[str, str]:
    """Loopback only, this checkout's spark_onnx and the tests' helpers on the path."""
    path = [str(ROOT / "python"), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    return dict(
        os.environ,
        SPARK_HOME=str(SPARK_HOME),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_LOCAL_HOSTNAME="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        PYTHONPATH=os.pathsep.join(path),
    )


def script(name: str, *args: str, timeout: float = 240) -> tuple[str, float]:
    """Runs bin/<name> with `args`; returns its output and how long it took. Fails with the
    output if it exits non-zero."""
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / "bin" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(),
        check=False,
        stdin=subprocess.DEVNULL,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, f"bin/{name} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout, took


def processes_of(run_dir: Path) -> list[int]:
    """Pids whose command line carries the run folder's marker (deploy/processes.py)."""
    marker = f"-Dsparkonnx.deploy.run={run_dir.resolve()}"
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes().decode(errors="ignore").split("\0"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def submit_command(master: str, *app: str, conf: dict[str, str] | None = None) -> list[str]:
    """spark-submit of an application with spark-onnx's jars and extension (docs/cluster.md)."""
    command = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", master]
    command += ["--jars", ",".join(spark_onnx.bundled_jars())]
    settings = {
        "spark.sql.extensions": EXTENSION,
        "spark.ui.enabled": "false",
        # The tests' executor JVMs as their drivers (conftest.py): C1 only, not worth C2's work.
        "spark.executor.extraJavaOptions": TEST_JVM_OPTIONS,
        **(conf or {}),
    }
    for key, value in settings.items():
        command += ["--conf", f"{key}={value}"]
    return command + list(app)


def failure(stderr: str) -> str:
    """The lines of a failed run worth reading: Spark's INFO chatter left out."""
    return "\n".join(line for line in stderr.splitlines() if " INFO " not in line)[-4000:]


def submit(master: str, *app: str, conf: dict[str, str] | None = None, timeout: float = 240):
    """Runs the application to the end; returns its last stdout line as JSON and the seconds
    spark-submit took (JVM start included)."""
    started = time.monotonic()
    done = subprocess.run(
        submit_command(master, *app, conf=conf),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(),
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, failure(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1]), time.monotonic() - started
