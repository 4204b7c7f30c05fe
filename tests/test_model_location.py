"""The one model-path normaliser (`spark_onnx.config.model_location`), used by `register`,
`configure(models=...)` and the ML stages' `modelPath`: URIs as given, plain paths absolute."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spark_onnx import configure
from spark_onnx.config import MODEL_CONF_PREFIX, model_location

KEPT = [
    "hdfs://namenode:8020/models/digits.onnx",
    "hdfs:///models/digits.onnx",
    "s3a://bucket/models/digits.onnx",
    "gs://bucket/digits.onnx",
    "abfss://container@account.dfs.core.windows.net/digits.onnx",
    "viewfs+x://cluster/digits.onnx",
    "file:///tmp/digits.onnx",
    "file:/tmp/digits.onnx",
    "file:relative/digits.onnx",
]

MADE_ABSOLUTE = [
    "models/digits.onnx",
    "./digits.onnx",
    "../up/digits.onnx",
    "digits.onnx",
    # A colon without "//" is part of a file name, not a scheme.
    "run:1/digits.onnx",
]


@pytest.mark.parametrize("uri", KEPT)
def test_uris_are_kept_as_given(uri):
    assert model_location(uri) == uri


@pytest.mark.parametrize("path", MADE_ABSOLUTE)
def test_plain_paths_become_absolute(path):
    assert model_location(path) == os.path.normpath(os.path.join(os.getcwd(), path))
    assert model_location(Path(path)) == model_location(path)


def test_absolute_paths_are_kept():
    assert model_location("/models/digits.onnx") == "/models/digits.onnx"


class _Builder:
    """What `configure` needs of a SparkSession.Builder (the real one shares its options)."""

    def __init__(self) -> None:
        self._options: dict[str, str] = {}

    def config(self, key: str, value: str) -> _Builder:
        self._options[key] = value
        return self


def test_configure_keeps_uris_and_makes_paths_absolute():
    builder = configure(
        _Builder(), models={"remote": "hdfs://namenode:8020/m.onnx", "local": "models/m.onnx"}
    )
    assert builder._options[MODEL_CONF_PREFIX + "remote"] == "hdfs://namenode:8020/m.onnx"
    assert builder._options[MODEL_CONF_PREFIX + "local"] == os.path.abspath("models/m.onnx")
