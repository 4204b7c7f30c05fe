"""A real standalone cluster (bin/cluster: a master and two one-core workers on 127.0.0.1),
started once for the module: a Python application and a Scala application submitted to it
score rows and photos exactly as local[2] does, each executor JVM opens one ONNX Runtime
session per model, the Thrift server runs its queries on it, and a worker killed mid-job
still leaves complete output.

Start-ups are the cost here (each spark-submit starts a driver and two executor JVMs), so the
Python application is submitted once: its clean run, then a rerun during which a worker is
killed; the local run it must equal is the suite's own local[2] Spark."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import deploy_score_app
import numpy as np
import onnxruntime as ort
import pytest
from deploy_support import (
    HERE,
    ROOT,
    environment,
    failure,
    free_port,
    processes_of,
    script,
    submit,
    submit_command,
)
from image_reference import encode
from PIL import Image
from skimage import data as photos

import spark_onnx
from conftest import DIGITS, TEST_JVM_OPTIONS

ROWS = 1_000_000
APP = str(HERE / "deploy_score_app.py")
DIGITS_CONF = {"spark.onnx.model.digits": str(DIGITS)}
TEST_CLASSES = ROOT / "jvm" / "target" / "scala-2.13" / "test-classes"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("cluster")
    port = free_port()
    out, took = script("cluster", "up", "--port", str(port), "--run-dir", str(run_dir))
    print(f"\nbin/cluster up: {took:.1f}s\n{out}")
    state = json.loads((run_dir / "state.json").read_text())
    try:
        yield {"master": f"spark://127.0.0.1:{port}", "run_dir": run_dir, **state}
    finally:
        script("cluster", "down", "--run-dir", str(run_dir))
        assert processes_of(run_dir) == [], "bin/cluster down left processes running"


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    for name, image, fmt in (
        ("chelsea.png", photos.chelsea(), "PNG"),
        ("coffee.jpg", photos.coffee(), "JPEG"),
        ("astronaut.png", photos.astronaut(), "PNG"),
        ("camera.png", photos.camera(), "PNG"),
    ):
        (folder / name).write_bytes(encode(Image.fromarray(image), fmt))
    return folder


@pytest.fixture(scope="module")
def local_run(spark, photo_folder) -> dict:
    """The application's digits and photos on local[2]: the suite's own Spark (a session of its
    own, so no setting another test left changes how rows are batched), not another JVM."""
    session = spark.newSession()
    spark_onnx.register(session, "digits", DIGITS)
    result = {
        "digits": deploy_score_app.digits(session, ROWS),
        "images": deploy_score_app.images(session, str(photo_folder)),
    }
    # As the application prints it (JSON: string keys, lists for tuples).
    return json.loads(json.dumps(result))


@pytest.fixture(scope="module")
def cluster_run(cluster, photo_folder, tmp_path_factory) -> dict:
    """The Python application on the cluster, one spark-submit for two runs: the clean one
    (digits, photos, sessions per executor), then the digits once more, during which a worker
    and its executor are killed. `bin/cluster up` then restarts the worker for the tests after."""
    command = submit_command(
        cluster["master"],
        APP,
        str(ROWS),
        "--images",
        str(photo_folder),
        "--rerun-announced",
        conf=DIGITS_CONF,
    )
    # A file, not a pipe: nothing reads stderr while the test waits for RUNNING on stdout.
    errors = tmp_path_factory.mktemp("app") / "stderr.txt"
    started = time.monotonic()
    with errors.open("w") as err:
        app = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment(),
        )
    try:
        # The app says when the rerun's first tasks run; the kill comes then.
        running = app.stdout.readline().strip()
        assert running == "RUNNING", failure(errors.read_text())
        assert app.poll() is None, "the job ended before the kill"
        signal_group(int((cluster["run_dir"] / "worker-2.pid").read_text()))
        out, _ = app.communicate(timeout=300)
    finally:
        app.kill()
    assert app.returncode == 0, failure(errors.read_text())
    result = json.loads(out.strip().splitlines()[-1])
    d = result["digits"]
    print(
        f"\ncluster: spark-submit {time.monotonic() - started:.1f}s, {ROWS} rows in "
        f"{d['seconds']:.2f}s = {d['rows_per_s']:,.0f} rows/s"
    )
    out, took = script("cluster", "up", "--run-dir", str(cluster["run_dir"]))
    print(f"bin/cluster up restarted the killed worker: {took:.1f}s\n{out}")
    return {**result, "stderr": errors.read_text()}


def direct_digits(ids: list[int]) -> np.ndarray:
    """The digits model run in ONNX Runtime directly on the app's rows `ids`."""
    i = np.arange(64)
    pixels = np.stack([((row * 7 + i) % 17).astype(np.float32) for row in ids])
    session = ort.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    return session.run(None, {"pixels": pixels})[0]


def test_python_app_on_the_cluster_equals_local(cluster_run, local_run):
    cluster_digits, local_digits = cluster_run["digits"], local_run["digits"]
    assert cluster_run["master"].startswith("spark://")
    for key in ("rows", "id_sum", "checksum", "sample"):
        assert cluster_digits[key] == local_digits[key], key
    assert cluster_digits["rows"] == ROWS
    assert cluster_digits["id_sum"] == ROWS * (ROWS - 1) // 2
    ids = [int(i) for i in cluster_digits["sample"]]
    expected = direct_digits(ids)
    got = np.array([cluster_digits["sample"][str(i)] for i in ids], dtype=np.float32)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # The photos: every label and probability as on local[2]; the cat is a cat.
    assert cluster_run["images"] == local_run["images"]
    assert len(cluster_run["images"]) == 4
    assert "cat" in cluster_run["images"]["chelsea.png"][0][0]


def test_one_session_per_executor_jvm(cluster_run):
    after_digits = cluster_run["sessions_after_digits"]
    # Two executor JVMs (one per worker), each built the digits session once for 1M rows in
    # 8 partitions and every query after it.
    assert len(after_digits) == 2 and "driver" not in after_digits, after_digits
    assert len({e["pid"] for e in after_digits.values()}) == 2
    assert [e["created"] for e in after_digits.values()] == [1, 1], after_digits
    # MobileNetV2 adds at most one session to an executor that labelled photos.
    after_images = cluster_run["sessions_after_images"]
    assert all(e["created"] <= 2 for e in after_images.values()), after_images
    assert 3 <= sum(e["created"] for e in after_images.values()) <= 4, after_images


def scala_app_jar(tmp_path: Path) -> Path:
    """The Scala application (jvm/src/test/scala/sparkonnx/deploy/ScoringApp.scala, compiled
    by the sbt test build) in a jar of its own: spark-onnx itself comes with --jars."""
    classes = sorted((TEST_CLASSES / "sparkonnx" / "deploy").glob("ScoringApp*.class"))
    if not classes:
        pytest.fail(f"no ScoringApp classes under {TEST_CLASSES}: run bin/sbt Test/compile")
    jar = tmp_path / "scoring-app.jar"
    with zipfile.ZipFile(jar, "w") as out:
        for path in classes:
            out.write(path, path.relative_to(TEST_CLASSES).as_posix())
    return jar


def test_scala_app_on_the_cluster(cluster, cluster_run, tmp_path):
    jar = scala_app_jar(tmp_path)
    result, _ = submit(
        cluster["master"],
        "--class",
        "sparkonnx.deploy.ScoringApp",
        str(jar),
        str(DIGITS),
        str(ROWS),
        timeout=300,
    )
    python = cluster_run["digits"]
    assert result == {k: python[k] for k in ("rows", "id_sum", "checksum")}


def beeline(port: int, *options: str) -> subprocess.CompletedProcess:
    """beeline (the Hive JDBC driver pip's pyspark ships) against the server on `port`;
    `options` name the statements (`-e SQL` or `-f FILE`)."""
    command = [str(Path(environment()["SPARK_HOME"]) / "bin" / "beeline")]
    command += ["-u", f"jdbc:hive2://127.0.0.1:{port}/default", "-n", "tester"]
    command += ["--silent=true", "--outputformat=csv2", *options]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=180, env=environment(), check=False
    )


def output_lines(stdout: str) -> list[str]:
    """beeline's csv2 output lines. Reading a file with no terminal, beeline writes its prompt
    (`null`, padded, then a carriage return) before each statement's output; csv2 quotes a
    value holding commas with NUL characters."""
    lines = (re.sub(r"^null *", "", line) for line in stdout.replace("\0", "").splitlines())
    return [line for line in lines if line]


def test_jdbc_server_on_the_cluster(cluster, photo_folder, digits_test, tmp_path):
    run_dir, port = tmp_path / "sql-server", free_port()
    args = ["--port", str(port), "--master", cluster["master"], "--run-dir", str(run_dir)]
    args += ["--conf", f"spark.executor.extraJavaOptions={TEST_JVM_OPTIONS}"]
    _, took = script("sql-server", "up", *args)
    print(f"\nbin/sql-server up on the cluster: {took:.1f}s")
    try:
        pixels = ", ".join(str(float(v)) for v in digits_test[0][0])
        # One beeline (a JVM start) for every statement: with --force it reports each failing
        # statement and goes on to the next.
        statements = tmp_path / "statements.sql"
        statements.write_text(
            f"SELECT onnx_predict('digits', CAST(array({pixels}) AS ARRAY<FLOAT>)) AS p;\n"
            "SELECT try_onnx_predict('digits', CAST(array(1, 2, 3) AS ARRAY<FLOAT>)) IS NULL"
            " AS bad_row_is_null;\n"
            "SET spark.onnx.customOpLibraries=/tmp/libcustom.so;\n"
            f"SELECT mobilenet_v2_top5(content)[0].label AS top1 FROM binaryFile.`{photo_folder}`"
            " WHERE path LIKE '%chelsea.png';\n"
            "SELECT onnx_predict('nope', array(CAST(1 AS FLOAT)));\n"
            "SELECT count(DISTINCT s.executorId) AS executors, sum(n) AS scored FROM ("
            " SELECT onnx_runtime_stats() AS s, size(onnx_predict('digits',"
            " array_repeat(CAST(id % 17 AS FLOAT), 64))) AS n FROM range(0, 20000, 1, 8));\n"
            "DESCRIBE FUNCTION EXTENDED onnx_predict;\n"
        )
        done = beeline(port, "--force=true", "-f", str(statements))
        lines = output_lines(done.stdout)
        values = {lines[i]: lines[i + 1] for i in range(len(lines) - 1)}
        expected = direct_probabilities(digits_test[0][:1])[0]
        got = np.array(json.loads(values["p"]), dtype=np.float32)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert values["bad_row_is_null"] == "true"
        assert "cat" in values["top1"]
        # The tasks ran on the two executors of the cluster, not in the server's JVM.
        assert values["executors,scored"] == "2,200000"
        assert "Usage:" in done.stdout and "onnx_predict(model, input1" in done.stdout
        # The refused static SET and the unknown model: each its condition and SQLSTATE.
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 2, done.stderr[-3000:]
        for error, condition, state in zip(
            errors,
            ["CANNOT_MODIFY_STATIC_CONFIG", "ONNX_MODEL_NOT_FOUND"],
            ["46110", "42704"],
        ):
            assert f"[{condition}]" in error and "java.lang." not in error, error
            assert f"(state={state}," in done.stderr, done.stderr[-3000:]
    finally:
        script("sql-server", "down", "--run-dir", str(run_dir))
        assert processes_of(run_dir) == []


def direct_probabilities(pixels: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(DIGITS), providers=["CPUExecutionProvider"])
    return session.run(None, {"pixels": pixels.astype(np.float32)})[0]


def test_worker_killed_mid_job_gives_complete_output(cluster_run):
    """The application's rerun lost worker-2 and its executor mid-job (cluster_run)."""
    err = cluster_run["stderr"]
    # Spark saw the executor go with tasks running, and ran them again on the other one.
    assert "ExecutorLostFailure" in err or "Lost executor" in err, failure(err)
    # Every row once, each scored as in the clean run.
    clean = cluster_run["digits"]
    assert cluster_run["rerun"] == {k: clean[k] for k in ("rows", "id_sum", "checksum")}


def signal_group(pid: int) -> None:
    """SIGKILL to the worker and the executor it forked (its process group)."""
    os.killpg(pid, signal.SIGKILL)
