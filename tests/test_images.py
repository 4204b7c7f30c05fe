"""Images in the JVM: every format and mode, Spark's image struct, preprocessing parity with
PIL (within a stated tolerance), and bad images (errors naming the origin, or null)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from image_reference import as_pixel_levels, encode, preprocess
from PIL import Image
from skimage import data as photos

from spark_onnx import errors

# Lossless formats: the JVM resizes in PIL's fixed-point arithmetic, so every level is PIL's
# (what is left is float32 rounding of the normalisation, far below one level).
LOSSLESS_TOLERANCE = 0.01
# JPEG: Java's decoder and the libjpeg(-turbo) build under PIL may differ by a few levels on
# some pixels (IDCT rounding); on these photos they agree, but that is not promised.
JPEG_TOLERANCE = 8.0


def tensor_of(spark, data: bytes, options: str = "'imagenet'") -> np.ndarray:
    frame = spark.createDataFrame([(bytearray(data),)], "img BINARY")
    row = frame.selectExpr(f"onnx_image_tensor(img, {options}) AS t").first()
    return np.array(row.t, dtype=np.float32)


def chelsea() -> Image.Image:
    return Image.fromarray(photos.chelsea())


CASES = {
    "png rgb": (lambda: chelsea(), "PNG", LOSSLESS_TOLERANCE),
    "bmp rgb": (lambda: chelsea(), "BMP", LOSSLESS_TOLERANCE),
    "png grayscale": (lambda: Image.fromarray(photos.camera()), "PNG", LOSSLESS_TOLERANCE),
    "png rgba": (lambda: chelsea().convert("RGBA"), "PNG", LOSSLESS_TOLERANCE),
    "gif palette": (lambda: chelsea().convert("P"), "GIF", LOSSLESS_TOLERANCE),
    "jpeg rgb": (lambda: Image.fromarray(photos.coffee()), "JPEG", JPEG_TOLERANCE),
    "jpeg grayscale": (lambda: Image.fromarray(photos.camera()), "JPEG", JPEG_TOLERANCE),
    "png portrait": (
        lambda: chelsea().transpose(Image.Transpose.ROTATE_90),
        "PNG",
        LOSSLESS_TOLERANCE,
    ),
}


@pytest.mark.parametrize("make, fmt, tolerance", CASES.values(), ids=CASES.keys())
def test_preprocessing_matches_pil(spark, make, fmt, tolerance):
    data = encode(make(), fmt)
    reference = preprocess(Image.open(__import__("io").BytesIO(data)))
    ours = tensor_of(spark, data)
    assert ours.shape == (3 * 224 * 224,)
    diff = np.abs(as_pixel_levels(ours.reshape(3, 224, 224)) - as_pixel_levels(reference))
    assert diff.max() <= tolerance + 1e-3, f"max {diff.max():.2f} levels"
    if fmt != "JPEG":
        assert np.all(diff < 0.5)  # every value is PIL's


def test_options_size_layout_and_channel_order(spark):
    image = chelsea()
    data = encode(image, "PNG")
    nchw = tensor_of(
        spark, data, "map('resize', '0', 'size', '16', 'mean', '0,0,0', 'std', '1,1,1')"
    )
    nhwc = tensor_of(
        spark,
        data,
        "map('resize', '0', 'size', '16', 'mean', '0,0,0', 'std', '1,1,1', 'layout', 'NHWC')",
    )
    bgr = tensor_of(
        spark,
        data,
        "map('resize', '0', 'size', '16', 'mean', '0,0,0', 'std', '1,1,1', 'channels', 'BGR')",
    )
    pixels = np.asarray(image, dtype=np.float32)
    left, top = round((451 - 16) / 2), round((300 - 16) / 2)
    crop = pixels[top : top + 16, left : left + 16] / 255.0
    np.testing.assert_allclose(nchw.reshape(3, 16, 16), crop.transpose(2, 0, 1), atol=1e-6)
    np.testing.assert_allclose(nhwc.reshape(16, 16, 3), crop, atol=1e-6)
    np.testing.assert_allclose(
        bgr.reshape(3, 16, 16), crop[..., ::-1].transpose(2, 0, 1), atol=1e-6
    )


def test_spark_image_source_struct(spark, tmp_path):
    for name in ("cat", "coffee"):
        picture = chelsea() if name == "cat" else Image.fromarray(photos.coffee())
        picture.save(tmp_path / f"{name}.png")
    images = spark.read.format("image").load(str(tmp_path))
    rows = images.selectExpr("image.origin AS origin", "onnx_image_tensor(image) AS t").collect()
    assert len(rows) == 2
    for row in rows:
        reference = preprocess(Image.open(row.origin.replace("file://", "")))
        ours = np.array(row.t, dtype=np.float32).reshape(3, 224, 224)
        diff = np.abs(as_pixel_levels(ours) - as_pixel_levels(reference))
        assert diff.max() <= LOSSLESS_TOLERANCE + 1e-3


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` and that has no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def truncated_png() -> bytes:
    data = encode(chelsea(), "PNG")
    return data[: len(data) // 3]


BAD_IMAGES = {
    "not an image": (b"this is text, not pixels", "not an image in a known format"),
    "empty bytes": (b"", "empty data"),
    "truncated png": (truncated_png(), "corrupt or truncated"),
    "20000x20000 header": (png_header_only(20000, 20000), "above the limit of 50000000 pixels"),
}


@pytest.mark.parametrize("data, reason", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_images_error_or_null(spark, data, reason):
    frame = spark.createDataFrame(
        [(1, bytearray(data)), (2, bytearray(encode(chelsea(), "PNG")))], "id INT, img BINARY"
    )
    with pytest.raises(errors.InvalidInputValue) as caught:
        frame.selectExpr("onnx_image_tensor(img)").collect()
    assert caught.value.getCondition() == "ONNX_INVALID_IMAGE"
    parameters = caught.value.getMessageParameters()
    assert parameters["column"] == "img" and reason in parameters["reason"]
    rows = frame.selectExpr("id", "try_onnx_image_tensor(img) AS t").orderBy("id").collect()
    assert [r.id for r in rows] == [1, 2]
    assert rows[0].t is None and len(rows[1].t) == 3 * 224 * 224


def test_zero_size_image_struct(spark):
    frame = spark.createDataFrame(
        [(("zero.png", 0, 0, 3, 16, bytearray()),)],
        "image STRUCT<origin: STRING, height: INT, width: INT, nChannels: INT, mode: INT, data: BINARY>",
    )
    with pytest.raises(errors.InvalidInputValue) as caught:
        frame.selectExpr("onnx_image_tensor(image)").collect()
    assert caught.value.getMessageParameters()["origin"] == "zero.png"
    assert frame.selectExpr("try_onnx_image_tensor(image) AS t").first().t is None


def test_pixel_limit_is_configurable(spark):
    data = encode(chelsea(), "PNG")  # 451 x 300 = 135,300 pixels
    spark.conf.set("spark.onnx.image.maxPixels", "100000")
    try:
        with pytest.raises(errors.InvalidInputValue, match="above the limit of 100000"):
            tensor_of(spark, data)
    finally:
        spark.conf.unset("spark.onnx.image.maxPixels")
    assert tensor_of(spark, data).shape == (3 * 224 * 224,)
