"""Putting spark-onnx into a SparkSession: jars on the classpath, the extension enabled."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping

from pyspark.sql import SparkSession

from ._jars import EXTENSION_CLASS, bundled_jars

MODEL_CONF_PREFIX = "spark.onnx.model."
ZOO_DIRS_CONF = "spark.onnx.zoo.dirs"
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
    works for Spark Connect sessions. The shipped models (the installed `spark-onnx-zoo`
    package's and the wheel's samples) become callable by name (`spark.onnx.zoo.dirs`). Call
    before `getOrCreate()`: a JVM that is already running keeps its classpath.

    For a Spark Connect server started elsewhere (`remote("sc://...")`) only `models` apply: the
    server itself must have been started with the jars and the extension (`spark-onnx jars`).

    >>> spark = spark_onnx.configure(SparkSession.builder.master("local[2]")).getOrCreate()
    """
    options = getattr(builder, "_options", {})
    remote = options.get("spark.remote")
    if remote is None or remote.startswith("local"):
        jars = [j for j in options.get("spark.jars", "").split(",") if j] + bundled_jars()
        extensions = [e for e in options.get("spark.sql.extensions", "").split(",") if e]
        if EXTENSION_CLASS not in extensions:
            extensions.append(EXTENSION_CLASS)
        builder = builder.config("spark.jars", ",".join(dict.fromkeys(jars)))
        builder = builder.config("spark.sql.extensions", ",".join(extensions))
        if ZOO_DIRS_CONF not in options:
            builder = builder.config(ZOO_DIRS_CONF, ",".join(shipped_model_folders()))
    for name, path in (models or {}).items():
        builder = builder.config(MODEL_CONF_PREFIX + name, model_location(path))
    if remote is not None and remote.startswith("local"):
        _quiet_local_connect_start(builder)
    return builder


def shipped_model_folders() -> list[str]:
    """Folders whose models are callable by name: the zoo's (when installed, or in a checkout)
    and the sample models'."""
    from . import samples, zoo

    folders = []
    try:
        folders.append(str(zoo.folder()))
    except FileNotFoundError:
        pass  # no zoo installed: its names are simply unknown
    try:
        folders.append(os.path.dirname(samples.digits()))
    except FileNotFoundError:
        pass
    return folders


def _quiet_local_connect_start(builder: SparkSession.Builder) -> None:
    """`remote("local[...]")` starts a Spark Connect server with every builder option, then
    PySpark sets each option again on the new session: static and core settings (the jars, the
    extension, the static spark.onnx.* settings) cannot be set there, and each one prints a
    CANNOT_MODIFY_(STATIC_)CONFIG warning although the server started with it. PySpark means to
    drop those options first (pyspark/sql/connect/session.py `_start_connect_server`, "only keep
    runtime configurations"), but it clears a copy. So this builder's `getOrCreate` hides those
    warnings for the settings the server was started with; other warnings still show."""
    started_with = re.compile(
        r"Failed to set (spark\.jars|spark\.sql\.extensions|spark\.onnx\.[\w.]+) to .*"
        r"CANNOT_MODIFY_(STATIC_)?CONFIG",
        re.DOTALL,
    )
    create = builder.getOrCreate

    def get_or_create() -> SparkSession:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=started_with.pattern, category=UserWarning)
            return create()

    builder.getOrCreate = get_or_create  # type: ignore[method-assign]


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
