"""Memory on bad input (issue 14): image decodes are bounded by a per-JVM budget estimated from
each image's header, and bad images are conditions, never raw JVM errors.

The cases that could kill a JVM run in a child process with a 1 GB heap (this file, run as a
script: `python test_memory.py CASE DIR`), so a dying JVM fails that case only; the child prints
one JSON line with what each query gave."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent


# ---- The child: one small-heap Spark, the queries of one case ----


def _outcome(run):
    from pyspark.errors import PySparkException

    try:
        return {"ok": run()}
    except PySparkException as e:
        return {"condition": e.getCondition(), "message": e.getMessage()}
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
        return {"error": type(e).__name__, "message": str(e)[:2000]}


def _child(case: str, folder: str) -> None:
    import spark_onnx

    spark = spark_onnx.session(
        master="local[2]",
        conf={"spark.driver.memory": "1g", "spark.ui.enabled": "false"},
    )
    spark.sparkContext.setLogLevel("ERROR")
    images = sorted(Path(folder).glob(f"{case}_*.png"))
    rows = [(i, p.read_bytes()) for i, p in enumerate(images)]
    # One image per partition: local[2] decodes the two at once.
    frame = spark.createDataFrame(rows, "id int, image binary").repartition(len(rows), "id")
    frame.createOrReplaceTempView("images")
    result = {
        "heap": spark._jvm.java.lang.Runtime.getRuntime().maxMemory(),
        "try": _outcome(
            lambda: [
                r[0] is None
                for r in spark.sql("SELECT try_onnx_image_tensor(image) FROM images").collect()
            ]
        ),
        "strict": _outcome(
            lambda: len(spark.sql("SELECT onnx_image_tensor(image) FROM images").collect())
        ),
        "alive": _outcome(lambda: spark.range(10).count()),
    }
    print(json.dumps(result))
    spark.stop()


# ---- The tests ----


def _png16(path: Path, width: int, height: int) -> None:
    from PIL import Image

    data = (np.arange(width * height, dtype=np.uint32) % 65536).astype("<u2")
    Image.frombuffer("I;16", (width, height), data.tobytes(), "raw", "I;16", 0, 1).save(path)


def _run_child(case: str, folder: Path) -> dict:
    path = [str(HERE.parent / "python"), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), case, str(folder)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def pngs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("png16")
    for i in range(2):
        # 49M pixels: under the default 50M-pixel limit, ~440 MB each to decode.
        _png16(folder / f"huge_{i}.png", 7000, 7000)
        # 16M pixels, ~145 MB each: both fit a 1 GB heap's budget only one at a time.
        _png16(folder / f"large_{i}.png", 4000, 4000)
    return folder


def test_two_16bit_7000x7000_pngs_at_once_are_refused_and_the_jvm_lives(pngs):
    result = _run_child("huge", pngs)
    assert result["heap"] <= 1100 << 20
    assert result["try"] == {"ok": [True, True]}, result
    assert result["strict"]["condition"] == "ONNX_INVALID_IMAGE", result
    assert "spark.onnx.image.decodeBudget" in result["strict"]["message"]
    assert result["alive"] == {"ok": 10}


def test_two_16bit_4000x4000_pngs_wait_for_the_budget_and_decode(pngs):
    result = _run_child("large", pngs)
    assert result["try"] == {"ok": [False, False]}, result
    assert result["strict"] == {"ok": 2}, result
    assert result["alive"] == {"ok": 10}


# ---- Bad images in the shared session: conditions, null under try_ ----


def _jpeg(mode: str, size=(64, 64)) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (size[1], size[0], len(mode)), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, mode).save(out, "JPEG")
    return out.getvalue()


def _images(spark, data: bytes):
    return spark.createDataFrame([(data,)], "image binary")


def _strict_reason(spark, frame) -> str:
    from pyspark.errors import PySparkException

    with pytest.raises(PySparkException) as caught:
        frame.selectExpr("onnx_image_tensor(image)").collect()
    assert caught.value.getCondition() == "ONNX_INVALID_IMAGE"
    return caught.value.getMessage()


def test_truncated_jpeg_is_null_under_try_and_invalid_image(spark):
    whole = _jpeg("RGB")
    assert _images(spark, whole).selectExpr("try_onnx_image_tensor(image)").first()[0]
    frame = _images(spark, whole[: len(whole) // 2])
    assert frame.selectExpr("try_onnx_image_tensor(image)").first()[0] is None
    assert "truncated" in _strict_reason(spark, frame)


def test_cmyk_jpeg_is_refused_with_its_reason(spark):
    frame = _images(spark, _jpeg("CMYK"))
    assert frame.selectExpr("try_onnx_image_tensor(image)").first()[0] is None
    assert "CMYK" in _strict_reason(spark, frame)


@pytest.mark.parametrize("width,height", [(65536, 65536), (300, 300)])
def test_image_struct_claiming_more_than_its_data_is_invalid_image(spark, width, height):
    frame = spark.sql(
        f"SELECT named_struct('origin', 'claimed', 'height', {height}, 'width', {width}, "
        "'nChannels', 3, 'mode', 16, 'data', X'010203') AS image"
    )
    assert frame.selectExpr("try_onnx_image_tensor(image)").first()[0] is None
    assert "claimed" in _strict_reason(spark, frame)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
