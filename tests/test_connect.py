"""The same query on a Spark Connect session: functions resolve on the server, models come from
configuration, no py4j on the client, and the rows (a parquet scan) run batched in OnnxEval; a
text model registered from the client embeds and tokenizes as Python's tokenizers do. One
client process and local Connect server serve both tests (a Spark start-up is most of it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from text_reference import SENTENCES, TEXT, embed, tokenizer

from conftest import DIGITS

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def connect_run(tmp_path_factory, digits_test) -> tuple[dict, subprocess.CompletedProcess]:
    """connect_client.py's JSON result and its process."""
    work = tmp_path_factory.mktemp("connect")
    rows_path = work / "rows.json"
    rows_path.write_text(json.dumps(digits_test[0].tolist()))
    texts_path = work / "texts.json"
    texts_path.write_text(json.dumps(SENTENCES))
    # Keep the parent's path too, so the client imports the same spark_onnx as this test.
    path = [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "connect_client.py"),
            str(DIGITS),
            str(rows_path),
            str(work),
            str(TEXT),
            str(texts_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def test_onnx_predict_on_spark_connect(connect_run, digits_test, digits_direct):
    result, done = connect_run
    rows = digits_test[0]
    for way in ("sql", "function", "registered"):
        np.testing.assert_array_equal(np.array(result[way], dtype=np.float32), digits_direct)
        # Batched: a few runs per partition, never one per row (the single-row fallback).
        assert 1 <= result["runs"][way] <= len(rows) // 8, (way, result["runs"])
    assert result["analysis"] == {"sessionsCreated": 0, "sessionRuns": 0}, result["analysis"]
    plan = result["plan"]
    assert "OnnxEval [onnx_predict(digits, batchSize=" in plan, plan
    assert "FileScan parquet" in plan and "LocalTableScan" not in plan, plan
    assert {"digits", "digits_registered"} <= set(result["names"])
    assert result["input_shape"] == [-1, 64]
    assert result["error"]["type"] == "ModelNotFound"
    assert result["error"]["typed"] is True
    assert result["error"]["condition"] == "ONNX_MODEL_NOT_FOUND"
    assert result["error"]["parameters"]["model"] == "nope"
    # A Connect client is a session: no static setting, no bad number, no file outside the
    # allowed root, no URL (docs/security.md).
    assert result["security"] == {
        "static setting": {"type": "AnalysisException", "condition": "CANNOT_MODIFY_STATIC_CONFIG"},
        "bad number": {"type": "InvalidSetting", "condition": "ONNX_INVALID_SETTING"},
        "host file": {
            "type": "ModelSourceNotAllowed",
            "condition": "ONNX_MODEL_SOURCE_NOT_ALLOWED",
        },
        "url": {"type": "ModelSourceNotAllowed", "condition": "ONNX_MODEL_SCHEME_NOT_ALLOWED"},
        "missing file": {"type": "ModelFileNotFound", "condition": "ONNX_MODEL_FILE_NOT_FOUND"},
    }
    # A model that failed at register is not left configured.
    assert "missing" not in result["names"]
    # The server started with the jars, the extension and the static settings: PySpark setting
    # them again on the session must not print warnings (spark.ui.enabled, the client's own
    # choice, still warns: PySpark's behaviour, not ours).
    for key in ("spark.jars", "spark.sql.extensions", "spark.onnx."):
        assert f"Failed to set {key}" not in done.stderr, done.stderr[-3000:]


def test_text_model_on_spark_connect(connect_run):
    result = connect_run[0]["text"]
    words = TEXT / "wordpiece.tokenizer.json"
    want = embed(TEXT / "tiny_encoder.onnx", words, SENTENCES, normalize=True)
    for way in ("sql", "function"):
        for got, expected in zip(result[way], want, strict=True):
            np.testing.assert_allclose(np.array(got), expected, rtol=1e-5, atol=1e-5)
    reference = tokenizer(words, 512)
    assert result["ids"] == [reference.encode(t).ids for t in SENTENCES]
