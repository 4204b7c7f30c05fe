"""Putting spark-onnx into a SparkSession: jars on the classpath, the extension enabled."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pyspark.sql import SparkSession

from ._jars import EXTENSION_CLASS, bundled_jars

MODEL_CONF_PREFIX = "spark.onnx.model."
# A configured text model's tokenizer and options: spark.onnx.text.<name>.tokenizer=<path>, ...
TEXT_CONF_PREFIX = "spark.onnx.text."

# Keys under the prefix that are settings, not models (SET -v lists them; test_security checks).
RESERVED_MODEL_NAMES = frozenset({"allowedRoots", "allowedUrlSchemes"})

# `scheme://...` (hdfs, s3a, gs, abfss, file, ...); `file:/x` has no authority but is a URI too.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def model_location(path: str | os.PathLike[str]) -> str:
    """A model's path as the JVM should read it: any `scheme://...` URI (`hdfs://`, `s3a://`,
    `file:///`) or `file:` path as given, and a plain path made absolute, so that executors, a
    Spark Connect server or a JVM started elsewhere read the same file.

    The one place spark-onnx normalises model paths: `register`, `configure(models=...)` and
    the ML stages' `modelPath` all use it.

    >>> model_location("hdfs://namenode:8020/models/digits.onnx")
    'hdfs://namenode:8020/models/digits.onnx'
    >>> model_location("models/digits.onnx")   # in /home/me
    '/home/me/models/digits.onnx'
    """
    text = os.fspath(path)
    if _URI.match(text) or text.startswith("file:"):
        return text
    return os.path.abspath(text)


def configure(
    builder: SparkSession.Builder, models: Mapping[str, str] | None = None
) -> SparkSession.Builder:
    """Adds the bundled jars and the spark-onnx extension to `builder`; returns it.

    `models` registers models by configuration (`spark.onnx.model.<name>=<path>`), which also
    works for Spark Connect sessions. Call before `getOrCreate()`: a JVM that is already
    running keeps its classpath.

    >>> spark = spark_onnx.configure(SparkSession.builder.master("local[2]")).getOrCreate()
    """
    options = getattr(builder, "_options", {})
    jars = [j for j in options.get("spark.jars", "").split(",") if j] + bundled_jars()
    extensions = [e for e in options.get("spark.sql.extensions", "").split(",") if e]
    if EXTENSION_CLASS not in extensions:
        extensions.append(EXTENSION_CLASS)
    builder = builder.config("spark.jars", ",".join(dict.fromkeys(jars)))
    builder = builder.config("spark.sql.extensions", ",".join(extensions))
    for name, path in (models or {}).items():
        builder = builder.config(MODEL_CONF_PREFIX + name, model_location(path))
    return builder


def session(
    master: str = "local[2]",
    app_name: str = "spark-onnx",
    models: Mapping[str, str] | None = None,
    conf: Mapping[str, str] | None = None,
) -> SparkSession:
    """A local SparkSession with spark-onnx enabled: the shortcut for notebooks and scripts."""
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return configure(builder, models).getOrCreate()
