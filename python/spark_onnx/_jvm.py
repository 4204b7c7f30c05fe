"""Every py4j call spark-onnx makes, in one place. Classic (non-Connect) sessions only."""

from __future__ import annotations

from typing import Any

from pyspark.errors.exceptions.captured import capture_sql_exception
from pyspark.sql import SparkSession


def is_classic(spark: SparkSession) -> bool:
    """True for a session with a JVM in this process; False for a Spark Connect client."""
    return hasattr(spark, "_jsparkSession")


def _models(spark: SparkSession) -> Any:
    jvm = spark.sparkContext._jvm
    models = jvm.sparkonnx.OnnxModels
    # py4j answers a JavaPackage, not an error, for a class that is not on the classpath.
    if type(models).__name__ == "JavaPackage":
        from ._jars import BUILD_COMMAND, EXTENSION_CLASS

        raise RuntimeError(
            "The spark-onnx jar is not on this session's classpath. Create the session with "
            "spark_onnx.configure(SparkSession.builder) or spark_onnx.session() (it sets "
            f"spark.jars and spark.sql.extensions={EXTENSION_CLASS}); build the jar with "
            f"{BUILD_COMMAND}."
        )
    return models


@capture_sql_exception
def register_path(spark: SparkSession, name: str, path: str) -> None:
    _models(spark).register(spark._jsparkSession, name, path)


@capture_sql_exception
def register_bytes(spark: SparkSession, name: str, data: bytes) -> None:
    _models(spark).register(spark._jsparkSession, name, bytearray(data))


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
