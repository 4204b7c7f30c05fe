"""A Spark Connect server started by bin/connect-server (its own JVM, on a free loopback port)
and a thin client in another process: no JVM or py4j gateway on the client, the functions of
`spark_onnx.functions`, the models the server registered by configuration and one the client
registers, and typed Python errors (spark_onnx.errors)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from deploy_support import HERE, environment, free_port, processes_of, script
from image_reference import encode
from PIL import Image
from skimage import data as photos

from conftest import DIGITS

EGYPTIAN_CAT = 285  # ImageNet class index (models/zoo/imagenet_labels.txt, line 286)


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    run_dir, port = tmp_path_factory.mktemp("connect-server"), free_port()
    _, took = script(
        "connect-server",
        "up",
        "--port",
        str(port),
        "--run-dir",
        str(run_dir),
        "--model",
        f"digits_extra={DIGITS}",
        # Clients may name models from the models folder only (docs/security.md).
        "--conf",
        f"spark.onnx.model.allowedRoots={DIGITS.parent}",
    )
    print(f"\nbin/connect-server up: {took:.1f}s")
    try:
        yield port
    finally:
        script("connect-server", "down", "--run-dir", str(run_dir))
        assert processes_of(run_dir) == [], "bin/connect-server down left processes running"


def test_thin_client_scores_with_configured_models(
    connect_server, digits_test, digits_direct, tmp_path
):
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(digits_test[0].tolist()))
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "chelsea.png").write_bytes(encode(Image.fromarray(photos.chelsea()), "PNG"))
    env = dict(environment(), CLIENT_MODEL=str(DIGITS))
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "deploy_connect_client.py"),
            str(connect_server),
            str(rows),
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["py4j_gateway"] is False and result["classic"] is False
    assert result["children"] == [], "the client started a process (a JVM?)"
    for way in ("digits", "digits_extra", "digits_client"):
        got = np.array(result[way], dtype=np.float32)
        np.testing.assert_allclose(got, digits_direct, rtol=1e-5, atol=1e-6, err_msg=way)
    assert result["try_short_row"] is None
    assert result["zoo_top1"] == {"chelsea.png": EGYPTIAN_CAT}
    configured = {
        "digits",
        "digits_extra",
        "mobilenet_v2",
        "mobilenet_v2_features",
        "efficientnet_lite0",
        "efficientnet_lite0_features",
    }
    assert configured | {"digits_client"} <= set(result["names"]), result["names"]
    errors = result["errors"]
    assert errors["unknown model"] == {
        "type": "ModelNotFound",
        "typed": True,
        "condition": "ONNX_MODEL_NOT_FOUND",
        "parameters": errors["unknown model"]["parameters"],
    }
    assert errors["unknown model"]["parameters"]["model"] == "nope"
    assert errors["short row"]["type"] == "InputShapeMismatch", errors["short row"]
    assert errors["short row"]["condition"] == "ONNX_INPUT_SHAPE_MISMATCH"
    assert errors["bad setting"]["type"] == "InvalidSetting", errors["bad setting"]
    assert errors["bad setting"]["condition"] == "ONNX_INVALID_SETTING"
    assert errors["static setting"]["condition"] == "CANNOT_MODIFY_STATIC_CONFIG"
