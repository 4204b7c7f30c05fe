"""Every py4j call spark-onnx makes, in one place. Classic (non-Connect) sessions only."""

from __future__ import annotations

from typing import Any

from pyspark.errors.exceptions.captured import capture_sql_exception
from pyspark.sql import SparkSession

# The Java class the ML stages extend: its methods are Spark's, not a stage's own.
TRANSFORMER_CLASS = "org.apache.spark.ml.Transformer"


def is_classic(spark: SparkSession) -> bool:
    """True for a session with a JVM in this process; False for a Spark Connect client."""
    return hasattr(spark, "_jsparkSession")


def require_class(jvm: Any, class_name: str) -> Any:
    """The JVM class `class_name`, or one clear sentence when the jar is not loaded."""
    found = jvm
    for part in class_name.split("."):
        found = getattr(found, part)
    # py4j answers a JavaPackage, not an error, for a class that is not on the classpath.
    if type(found).__name__ == "JavaPackage":
        from ._jars import BUILD_COMMAND, EXTENSION_CLASS

        raise RuntimeError(
            f"{class_name} is not on this session's classpath: the spark-onnx jar is not "
            "loaded. Create the session with spark_onnx.configure(SparkSession.builder) or "
            "spark_onnx.session() (they set spark.jars and spark.sql.extensions="
            f"{EXTENSION_CLASS}); build the jar with {BUILD_COMMAND}."
        )
    return found


def _models(spark: SparkSession) -> Any:
    return require_class(spark.sparkContext._jvm, "sparkonnx.OnnxModels")


@capture_sql_exception
def register_path(
    spark: SparkSession, name: str, path: str, options: dict[str, str], replace: bool
) -> None:
    _models(spark).registerWithOptions(spark._jsparkSession, name, path, options, replace)


@capture_sql_exception
def register_bytes(
    spark: SparkSession, name: str, data: bytes, options: dict[str, str], replace: bool
) -> None:
    _models(spark).registerWithOptions(
        spark._jsparkSession, name, bytearray(data), options, replace
    )


@capture_sql_exception
def register_function(spark: SparkSession, name: str) -> None:
    _models(spark).registerFunction(spark._jsparkSession, name)


@capture_sql_exception
def unregister(spark: SparkSession, name: str) -> bool:
    return bool(_models(spark).unregister(spark._jsparkSession, name))


@capture_sql_exception
def registered(spark: SparkSession) -> list[str]:
    return list(_models(spark).registeredNames(spark._jsparkSession))


@capture_sql_exception
def sessions_created(spark: SparkSession) -> int:
    """ONNX Runtime sessions created in the driver JVM (for tests)."""
    return int(spark.sparkContext._jvm.sparkonnx.runtime.SessionPool.sessionsCreated())


# --- ML stages --------------------------------------------------------------------------------


def _active_jvm() -> Any:
    from pyspark import SparkContext

    if SparkContext._jvm is None:
        raise RuntimeError(
            "spark-onnx's ML stages need a running SparkSession: create one with "
            "spark_onnx.session() or spark_onnx.configure(SparkSession.builder) first."
        )
    return SparkContext._jvm


def new_stage(java_class: str, uid: str) -> Any:
    """A new JVM ML stage `java_class` with the Python wrapper's `uid`."""
    from pyspark.ml.wrapper import JavaWrapper

    require_class(_active_jvm(), java_class)
    return JavaWrapper._new_java_obj(java_class, uid)


@capture_sql_exception
def stash_model(data: bytes) -> str:
    """Checks `data` is an ONNX model and writes it once to a content-addressed file of the
    driver JVM (`sparkonnx.ml.HeldModels`); returns its `file:` URI, a stage's `modelPath`."""
    held = require_class(_active_jvm(), "sparkonnx.ml.HeldModels")
    return str(held.stash(bytearray(data)))


NO_DEFAULT = object()
"""The default `stage_params` reports for a Param that has none."""


def stage_params(java_stage: Any) -> dict[str, Any]:
    """The Params of a JVM stage: name -> default (`NO_DEFAULT` if it has none), with arrays
    as lists."""
    from py4j.java_collections import JavaArray, JavaList
    from pyspark import SparkContext
    from pyspark.ml.common import _java2py

    params = {}
    for param in java_stage.params():
        default = java_stage.getDefault(param)
        if default.isDefined():
            value = _java2py(SparkContext._active_spark_context, default.get())
            params[param.name()] = (
                list(value) if isinstance(value, (JavaArray, JavaList)) else value
            )
        else:
            params[param.name()] = NO_DEFAULT
    return params


def stage_methods(java_stage: Any, below: str = TRANSFORMER_CLASS) -> set[str]:
    """The names of the public methods of a JVM stage's class, less those its superclass
    `below` already has (Spark's own `Params`/`Transformer` API)."""
    cls = java_stage.getClass()
    base = cls
    while base is not None and base.getName() != below:
        base = base.getSuperclass()
    if base is None:
        raise ValueError(f"{cls.getName()} does not extend {below}")
    inherited = {m.getName() for m in base.getMethods()}
    return {m.getName() for m in cls.getMethods()} - inherited


# --- errors -----------------------------------------------------------------------------------


def error_condition(java_exception: Any) -> str | None:
    """The error condition of a JVM exception that is a `SparkThrowable`, else None."""
    from py4j.java_gateway import is_instance_of
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None or not is_instance_of(
        gateway, java_exception, "org.apache.spark.SparkThrowable"
    ):
        return None
    return SparkContext._jvm.PythonErrorUtils.getCondition(java_exception)
