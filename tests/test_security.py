"""Nothing a session sets can load code, read the host's files, reach the network or widen the
memory and thread bounds (issue 14, docs/security.md): every spark-onnx setting is a typed Spark
config entry, the static ones are refused by SET, bad values name their key, and models named at
run time come only from allowed roots, never over http/ftp.

The session fixture is started as a user starts one (no allowed roots, default bounds); cases
that need other startup settings run in their own process (`security_session.py`)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.errors import AnalysisException, IllegalArgumentException

import model_factory
import spark_onnx
from conftest import DIGITS
from spark_onnx import errors

HERE = Path(__file__).resolve().parent
GOOD = "array_repeat(1.0F, 64)"

STATIC = [
    "spark.onnx.customOpLibraries",
    "spark.onnx.executionProvider",
    "spark.onnx.sessionCache.maxBytes",
    "spark.onnx.model.allowedRoots",
    "spark.onnx.model.allowedUrlSchemes",
    "spark.onnx.intraOpThreads.limit",
    "spark.onnx.batchMaxBytes.limit",
    "spark.onnx.image.maxPixels.limit",
    "spark.onnx.image.decodeBudget",
    "spark.onnx.zoo.dirs",
]
SESSION = [
    "spark.onnx.batchSize",
    "spark.onnx.batchMaxBytes",
    "spark.onnx.intraOpThreads",
    "spark.onnx.image.maxPixels",
    "spark.onnx.columnarInput",
]


def predicts(spark) -> bool:
    """The JVM is alive and still scores."""
    return spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[0] == 10


# ---- Settings ----


def test_set_v_lists_every_setting_with_its_doc(spark):
    rows = {r[0]: r for r in spark.sql("SET -v").collect() if r[0].startswith("spark.onnx.")}
    assert set(rows) == set(STATIC) | set(SESSION)
    for key, (_, _, doc, version) in rows.items():
        assert len(doc) > 40, key
        assert version == "0.1.0", key
    for key in STATIC:
        assert rows[key][2].startswith("Static."), key
        assert not spark.conf.isModifiable(key), key
    for key in SESSION:
        assert spark.conf.isModifiable(key), key


def test_settings_under_the_model_prefix_are_no_models(spark):
    from spark_onnx.config import MODEL_CONF_PREFIX, RESERVED_MODEL_NAMES

    under = {
        k[len(MODEL_CONF_PREFIX) :] for k in STATIC + SESSION if k.startswith(MODEL_CONF_PREFIX)
    }
    assert under == RESERVED_MODEL_NAMES
    assert not RESERVED_MODEL_NAMES & set(spark_onnx.registered(spark))


@pytest.mark.parametrize("key", STATIC)
def test_set_of_a_static_setting_is_refused(spark, key):
    attempts = {
        "SQL SET": lambda: spark.sql(f"SET {key}=/tmp/libevil.so"),
        "conf.set": lambda: spark.conf.set(key, "1"),
        "conf.unset": lambda: spark.conf.unset(key),
    }
    for way, attempt in attempts.items():
        with pytest.raises(AnalysisException) as caught:
            attempt()
        assert caught.value.getCondition() == "CANNOT_MODIFY_STATIC_CONFIG", way
    assert predicts(spark)


BAD_VALUES = [
    pytest.param("spark.onnx.batchSize", "abc", "an integer in [1, 1048576]", id="batchSize-abc"),
    pytest.param("spark.onnx.batchSize", "0", "an integer in [1, 1048576]", id="batchSize-0"),
    pytest.param("spark.onnx.batchSize", "1e3", "an integer in [1, 1048576]", id="batchSize-1e3"),
    pytest.param(
        "spark.onnx.batchSize", "4294967296", "an integer in [1, 1048576]", id="batchSize-2^32"
    ),
    pytest.param(
        "spark.onnx.batchMaxBytes",
        "12 MB",
        "a size in bytes in [1, 268435456]",
        id="batchMaxBytes-12-MB",
    ),
    pytest.param(
        "spark.onnx.batchMaxBytes",
        "-1",
        "a size in bytes in [1, 268435456]",
        id="batchMaxBytes-negative",
    ),
    pytest.param(
        "spark.onnx.batchMaxBytes",
        "2g",
        "a size in bytes in [1, 268435456]",
        id="batchMaxBytes-above-the-static-bound",
    ),
    pytest.param("spark.onnx.intraOpThreads", "two", "an integer in [1, ", id="intraOpThreads-two"),
    pytest.param(
        "spark.onnx.image.maxPixels", "1e9", "an integer in [1, 50000000]", id="image.maxPixels-1e9"
    ),
    pytest.param(
        "spark.onnx.image.maxPixels",
        "1000000000",
        "an integer in [1, 50000000]",
        id="image.maxPixels-above-the-static-bound",
    ),
]


@pytest.mark.parametrize("key, value, expected", BAD_VALUES)
def test_a_bad_value_is_refused_naming_its_key(spark, key, value, expected):
    for attempt in (lambda: spark.sql(f"SET {key}={value}"), lambda: spark.conf.set(key, value)):
        with pytest.raises(errors.InvalidSetting) as caught:
            attempt()
        error = caught.value
        assert isinstance(error, IllegalArgumentException)  # PySpark's own class, too
        assert error.getCondition() == "ONNX_INVALID_SETTING"
        parameters = error.getMessageParameters()
        assert parameters["key"] == key
        assert parameters["value"] == value
        assert parameters["expected"].startswith(expected)
        assert key in str(error) and "java.lang" not in str(error)
    assert spark.conf.get(key, None) is None  # the refused value was not kept
    assert predicts(spark)


def test_intra_op_threads_1024_is_refused_the_bound_is_the_cores(spark):
    with pytest.raises(errors.InvalidSetting) as caught:
        spark.sql("SET spark.onnx.intraOpThreads=1024")
    expected = caught.value.getMessageParameters()["expected"]
    bound = int(re.match(r"an integer in \[1, (\d+)\]", expected).group(1))
    assert 1 <= bound <= (os.cpu_count() or 1)
    assert "spark.onnx.intraOpThreads.limit" in expected
    spark.conf.set("spark.onnx.intraOpThreads", str(bound))  # the bound itself is taken
    try:
        assert predicts(spark)
    finally:
        spark.conf.unset("spark.onnx.intraOpThreads")


def test_image_max_pixels_can_be_lowered_never_raised(spark):
    with pytest.raises(errors.InvalidSetting):
        spark.sql("SET spark.onnx.image.maxPixels=1e9")
    with pytest.raises(errors.InvalidSetting):
        spark.sql("SET spark.onnx.image.maxPixels=50000001")
    spark.sql("SET spark.onnx.image.maxPixels=100000")
    try:
        assert spark.conf.get("spark.onnx.image.maxPixels") == "100000"
    finally:
        spark.conf.unset("spark.onnx.image.maxPixels")


# ---- Model sources: network ----


@pytest.fixture
def listener():
    """A local TCP server that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.3)
    yield server
    server.close()


def contacted(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
        return True
    except TimeoutError:
        return False


def set_model_error(spark, name: str, path: str) -> errors.SparkOnnxError:
    """SETs `spark.onnx.model.<name>=path` as a SQL session does and returns the error a query
    naming it raises."""
    key = f"spark.onnx.model.{name}"
    before = spark.conf.get(key, None)
    spark.sql(f"SET {key}={path}")
    try:
        with pytest.raises(errors.SparkOnnxError) as caught:
            spark.sql(f"SELECT onnx_predict('{name}', {GOOD})").collect()
        return caught.value
    finally:
        if before is None:
            spark.conf.unset(key)
        else:  # back to the value Spark started with, which is trusted again
            spark.conf.set(key, before)


@pytest.mark.parametrize("scheme", ["http", "https", "ftp", "sftp"])
def test_set_model_to_a_url_sends_no_request(spark, listener, scheme):
    url = f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/model.onnx"
    error = set_model_error(spark, "ssrf", url)
    assert isinstance(error, errors.ModelSourceNotAllowed)
    assert error.getCondition() == "ONNX_MODEL_SCHEME_NOT_ALLOWED"
    assert error.getMessageParameters()["scheme"] == scheme
    # The application may not fetch one either unless Spark started allowing the scheme.
    with pytest.raises(errors.ModelSourceNotAllowed):
        spark_onnx.register(spark, "ssrf_app", url)
    assert not contacted(listener)


def test_set_model_on_another_host_is_refused_without_contacting_it(spark, listener):
    port = listener.getsockname()[1]
    for path in (f"hdfs://127.0.0.1:{port}/m.onnx", f"webhdfs://127.0.0.1:{port}/m.onnx"):
        error = set_model_error(spark, "remote", path)
        assert error.getCondition() == "ONNX_MODEL_SOURCE_NOT_ALLOWED", path
    assert not contacted(listener)


# ---- Model sources: the host's files ----

HOST_FILES = [
    "/etc/shadow",
    "/etc/passwd",
    "/etc/no-such-file",
    "/proc/self/environ",
    "/dev/zero",
    "/etc",
    "models/digits.onnx",
]


def test_set_model_to_a_host_file_tells_nothing(spark):
    """With no allowed roots (the default) a session names no file at all: the answer is the
    same whether the file exists, is secret, is a directory or a device."""
    messages = set()
    for path in HOST_FILES:
        error = set_model_error(spark, "host", path)
        assert isinstance(error, errors.ModelSourceNotAllowed), path
        assert error.getCondition() == "ONNX_MODEL_SOURCE_NOT_ALLOWED", path
        assert error.getMessageParameters() == {
            "model": "host",
            "path": path,
            "setting": "spark.onnx.model.allowedRoots",
            "allowed": "(none)",
        }
        messages.add(str(error.getMessage()).replace(path, "<path>"))
    assert len(messages) == 1, messages
    assert predicts(spark)


def test_a_model_configured_at_startup_is_trusted(spark):
    # conftest configures digits_conf when Spark starts: read from its path, outside any root.
    assert spark.sql(f"SELECT size(onnx_predict('digits_conf', {GOOD}))").first()[0] == 10
    error = set_model_error(spark, "digits_conf", str(DIGITS.parent / "other.onnx"))
    assert error.getCondition() == "ONNX_MODEL_SOURCE_NOT_ALLOWED"
    assert spark.sql(f"SELECT size(onnx_predict('digits_conf', {GOOD}))").first()[0] == 10


# ---- Files the application registers: clear errors that echo nothing ----


def test_a_directory_is_a_clear_error(spark, tmp_path):
    with pytest.raises(errors.ModelFileNotFound) as caught:
        spark_onnx.register(spark, "folder", tmp_path)
    assert caught.value.getMessageParameters()["reason"] == "it is a directory, not a model file"


def test_files_that_are_not_models_get_one_message_whatever_they_hold(spark, tmp_path):
    contents = {
        "shadow.onnx": b"root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n",
        "noise.onnx": bytes((i * 37 + 11) % 256 for i in range(300)),
        "zeros.onnx": b"\x00" * 64,
        "empty.onnx": b"",
        "protobuf-ish.onnx": b"\x08\x07\x12\x04evil",
    }
    reasons = set()
    for name, data in contents.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(errors.InvalidModel) as caught:
            spark_onnx.register(spark, "notamodel", path)
        message = str(caught.value)
        assert "saltsalt" not in message and "evil" not in message, name
        reasons.add(caught.value.getMessageParameters()["reason"])
    assert len(reasons) == 1, reasons


def test_a_device_is_refused_and_the_jvm_lives(spark):
    with pytest.raises(errors.ModelFileNotFound) as caught:
        spark_onnx.register(spark, "zero", "/dev/zero")
    assert caught.value.getMessageParameters()["reason"] == "not a regular file"
    assert predicts(spark)


# ---- Startup settings, each set in its own Spark process ----


def run_session(conf: dict[str, str], checks: list[tuple[str, str, str]]) -> dict:
    path = [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    done = subprocess.run(
        [sys.executable, str(HERE / "security_session.py"), json.dumps(conf), json.dumps(checks)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """A Spark started with an allowed root, tight bounds and a custom-op library that does not
    exist; the checks a SQL session would try against it."""
    work = tmp_path_factory.mktemp("locked")
    root, outside = work / "allowed", work / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "digits.onnx").write_bytes(DIGITS.read_bytes())
    (outside / "digits.onnx").write_bytes(DIGITS.read_bytes())
    (root / "link.onnx").symlink_to(outside / "digits.onnx")
    conf = {
        "digits": str(DIGITS),
        "spark.onnx.model.allowedRoots": str(root),
        "spark.onnx.intraOpThreads.limit": "2",
        "spark.onnx.image.maxPixels.limit": "1000",
        "spark.onnx.batchMaxBytes.limit": "4096",
        "spark.onnx.customOpLibraries": str(work / "libmissing_ops.so"),
    }
    checks = [
        ("under root", "model_under_root", str(root / "digits.onnx")),
        ("symlink out of the root", "model_outside_root", str(root / "link.onnx")),
        ("dot-dot out of the root", "model_outside_root", f"{root}/../outside/digits.onnx"),
        ("outside the root", "model_outside_root", str(outside / "digits.onnx")),
        ("threads within the bound", "set_value", "spark.onnx.intraOpThreads=2"),
        ("threads above the bound", "set_value", "spark.onnx.intraOpThreads=3"),
        ("pixels above the bound", "set_value", "spark.onnx.image.maxPixels=1001"),
        ("batch bytes above the bound", "set_value", "spark.onnx.batchMaxBytes=8k"),
        ("custom-op library from startup", "predict", ""),
    ]
    return {"conf": conf, "results": run_session(conf, checks)}


def test_a_model_set_under_an_allowed_root_loads(locked):
    assert locked["results"]["under root"] == {"ok": True}


@pytest.mark.parametrize(
    "case", ["symlink out of the root", "dot-dot out of the root", "outside the root"]
)
def test_a_model_set_outside_the_allowed_root_is_refused(locked, case):
    result = locked["results"][case]
    assert result["typed"] and result["error"] == "ModelSourceNotAllowed", result
    assert result["condition"] == "ONNX_MODEL_SOURCE_NOT_ALLOWED"
    assert result["parameters"]["allowed"] == locked["conf"]["spark.onnx.model.allowedRoots"]


@pytest.mark.parametrize(
    "case, key, bound",
    [
        ("threads above the bound", "spark.onnx.intraOpThreads", "[1, 2]"),
        ("pixels above the bound", "spark.onnx.image.maxPixels", "[1, 1000]"),
        ("batch bytes above the bound", "spark.onnx.batchMaxBytes", "[1, 4096]"),
    ],
)
def test_session_settings_stay_within_the_startup_bounds(locked, case, key, bound):
    result = locked["results"][case]
    assert result["typed"] and result["error"] == "InvalidSetting", result
    assert result["parameters"]["key"] == key
    assert bound in result["parameters"]["expected"]
    assert f"{key}.limit" in result["parameters"]["expected"]
    assert locked["results"]["threads within the bound"] == {"ok": "2"}


def test_custom_op_libraries_load_only_from_startup_settings(spark, locked, tmp_path):
    # Without the setting, a model needing a custom operator fails to register, clearly.
    with pytest.raises(errors.InvalidModel):
        spark_onnx.register(spark, "custom", model_factory.unknown_operator(tmp_path))
    # Set when Spark starts, the library is loaded (here: it is missing, and the error says so).
    result = locked["results"]["custom-op library from startup"]
    assert result["typed"], result
    assert "libmissing_ops.so" in result["message"]


def test_cuda_without_a_gpu_build_says_so_in_one_sentence(tmp_path):
    results = run_session(
        {"digits": str(DIGITS), "spark.onnx.executionProvider": "cuda"},
        [("cuda", "predict", "")],
    )
    result = results["cuda"]
    assert result["typed"] and result["error"] == "RuntimeFailure", result
    assert result["condition"] == "ONNX_EXECUTION_PROVIDER_UNAVAILABLE"
    assert "cpu" in result["parameters"]["available"]
