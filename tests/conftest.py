"""Shared fixtures: one local[2] session configured the way a user does it."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
DIGITS = MODELS / "digits.onnx"
sys.path.insert(0, str(MODELS))

# The tests' JVMs live seconds to minutes, too short to pay back what the C2 compiler spends
# (a Spark start-up alone: ~17 CPU-seconds with C2, ~12 without). C1 alone needs ~30-40 % less
# CPU for the same tests (test_predict, test_contract and test_security: 102 -> 62 CPU-seconds,
# 66 -> 56 s), and CI's two cores are busy all along. Every Spark driver the tests start, here
# or in a child process (child sessions, spark-submit, the CLI, the servers), is launched by
# spark-submit, which reads SPARK_SUBMIT_OPTS; executors of a cluster get it by configuration.
# C1 alone would also shrink the code cache to 48 MB, too small for a long driver full of Spark's
# generated classes: it keeps the JVM's usual 240 MB (reserved, committed only as used).
TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
os.environ.setdefault("SPARK_SUBMIT_OPTS", TEST_JVM_OPTIONS)


@pytest.fixture(scope="session")
def spark():
    import spark_onnx

    # SPARK_ONNX_TEST_MASTER=local-cluster[2,1,2048] runs the suites on two executor JVMs.
    session = spark_onnx.session(
        master=os.environ.get("SPARK_ONNX_TEST_MASTER", "local[2]"),
        app_name="spark-onnx tests",
        models={"digits_conf": str(DIGITS)},
        # One session serves the whole suite (~20 minutes, hundreds of models, a 90 MB text
        # encoder, 6 MB image rows): 2 GB of driver heap, not Spark's 1 GB default, so the suite's
        # own history cannot crowd the heap into back-to-back collections on a slower machine.
        conf={
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
            "spark.executor.extraJavaOptions": TEST_JVM_OPTIONS,
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(session, "digits", DIGITS)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def digits_test() -> tuple[np.ndarray, np.ndarray]:
    """The held-out digits: pixels float32[N,64] and labels."""
    import digits

    _, x_test, _, y_test = digits.load_split()
    return x_test, y_test


@pytest.fixture(scope="session")
def digits_direct(digits_test) -> np.ndarray:
    """Expected probabilities: ONNX Runtime run directly on the same rows."""
    session = ort.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    return session.run(None, {"pixels": digits_test[0]})[0]


@pytest.fixture(scope="session")
def digits_frame(spark, digits_test):
    x, y = digits_test
    rows = [(i, int(label), pixels.tolist()) for i, (pixels, label) in enumerate(zip(x, y))]
    frame = spark.createDataFrame(rows, "id INT, label INT, pixels ARRAY<FLOAT>").repartition(4)
    frame.createOrReplaceTempView("digits_test")
    return frame


# ---- A test that hangs says where (CI gives the whole suite 90 minutes) ----

# pytest-timeout (pyproject.toml) fails a test after 15 minutes and prints the Python stacks; this
# prints the JVMs' stacks first, so a hang inside Spark or ONNX Runtime shows where it waits.
JVM_STACKS_AFTER_S = 600


def _descendant_jvms() -> list[int]:
    """The java processes started by this pytest process (the session's JVM, child JVMs)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        names[int(entry.name)] = name
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            todo.append(child)
            if names.get(child) == "java":
                found.append(child)
    return found


def _print_jvm_stacks(test: str) -> None:
    import subprocess

    out = sys.__stderr__
    print(f"\n=== {test} still running after {JVM_STACKS_AFTER_S} s: JVM stacks ===", file=out)
    for pid in _descendant_jvms():
        try:
            stacks = subprocess.run(
                ["jcmd", str(pid), "Thread.print"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError) as error:
            stacks = f"jcmd failed: {error}"
        print(f"--- java pid {pid} ---\n{stacks}", file=out, flush=True)


@pytest.fixture(autouse=True)
def jvm_stacks_when_slow(request):
    import threading

    timer = threading.Timer(JVM_STACKS_AFTER_S, _print_jvm_stacks, args=(request.node.nodeid,))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


# ---- No raw JVM error reaches a user (issue 14) ----

# The modules whose cases make up the bad-input table: every error they expect is checked.
BAD_INPUT_MODULES = {
    "test_bad_input",
    "test_errors",
    "test_python_errors",
    "test_contract_errors",
    "test_security",
    "test_security_models",
    "test_memory",
    "test_images",
    "test_image_stages",
    "test_external_data",
    "test_model_api",
}

RAW_JVM_ERROR = re.compile(r"\bjava\.(lang|io|nio|util)\.[A-Za-z.]*(Exception|Error)\b")


def raw_jvm_error(error: BaseException) -> str | None:
    """Why `error` is a raw JVM error (a Py4J wrapper, or a java.* exception named in its
    message), or None when it is a condition a user can act on."""
    from py4j.protocol import Py4JJavaError

    if isinstance(error, Py4JJavaError):
        return f"a raw Py4JJavaError: {str(error)[:300]}"
    found = RAW_JVM_ERROR.search(str(error))
    if found:
        return f"the message names {found.group(0)}: {str(error)[:300]}"
    return None


class _CheckedRaises:
    """pytest.raises that also fails when the caught error is a raw JVM error."""

    def __init__(self, real, *args, **kwargs):
        self._context = real(*args, **kwargs)

    def __enter__(self):
        self._info = self._context.__enter__()
        return self._info

    def __exit__(self, kind, value, traceback):
        handled = self._context.__exit__(kind, value, traceback)
        if handled and value is not None:
            reason = raw_jvm_error(value)
            if reason:
                pytest.fail(f"raw JVM error reached the user: {reason}")
        return handled


@pytest.fixture(autouse=True)
def no_raw_jvm_errors(request, monkeypatch):
    """In the bad-input modules every expected error must be a condition, not a raw JVM one."""
    if request.module.__name__.rsplit(".", 1)[-1] not in BAD_INPUT_MODULES:
        yield
        return
    real = pytest.raises

    def checked(expected, *args, **kwargs):
        if args:  # the call form, pytest.raises(E, func, *args)
            info = real(expected, *args, **kwargs)
            reason = raw_jvm_error(info.value)
            if reason:
                pytest.fail(f"raw JVM error reached the user: {reason}")
            return info
        return _CheckedRaises(real, expected, **kwargs)

    monkeypatch.setattr(pytest, "raises", checked)
    yield
