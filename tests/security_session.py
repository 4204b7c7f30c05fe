"""Runs in its own process: starts a local session with the static settings given as JSON (what
whoever starts Spark chooses), runs the named checks of `CHECKS` against it, and prints one JSON
object: check name -> outcome (`"ok"`, or the condition and parameters of the error it raised).

    python security_session.py '{"spark.onnx.model.allowedRoots": "/srv/models"}' \
        '{"model_under_root": "/srv/models/digits.onnx"}'
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from pyspark.errors import PySparkException

import spark_onnx

GOOD = "array_repeat(1.0F, 64)"


def outcome(check: Callable[[], Any]) -> dict[str, Any]:
    """What a check gave: its value, or its error's class, condition and parameters."""
    try:
        return {"ok": check()}
    except PySparkException as e:
        return {
            "error": type(e).__name__,
            "typed": isinstance(e, spark_onnx.errors.SparkOnnxError),
            "condition": e.getCondition(),
            "parameters": e.getMessageParameters(),
            "message": e.getMessage(),
        }
    except Exception as e:  # noqa: BLE001 - anything else is a failure the test reports
        return {"error": type(e).__name__, "typed": False, "message": str(e)}


def set_model(spark, path: str) -> str:
    """What a SQL session does: names a model by SET, then asks for its signature (no session)."""
    spark.sql(f"SET spark.onnx.model.x={path}")
    try:
        return spark.sql("SELECT onnx_model_info('x')").first()[0]
    finally:
        spark.conf.unset("spark.onnx.model.x")


def set_value(spark, key: str, value: str) -> str:
    spark.sql(f"SET {key}={value}")
    try:
        return spark.conf.get(key)
    finally:
        spark.conf.unset(key)


CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "model_under_root": lambda spark, arg: "pixels" in set_model(spark, arg),
    "model_outside_root": set_model,
    "set_value": lambda spark, arg: set_value(spark, *arg.split("=", 1)),
    "predict": lambda spark, arg: spark.sql(f"SELECT size(onnx_predict('digits', {GOOD}))").first()[
        0
    ],
}


def main(conf: dict[str, str], checks: list[list[str]]) -> None:
    spark = spark_onnx.session(
        master="local[1]",
        app_name="spark-onnx security",
        models={"digits": conf.pop("digits")},
        conf={"spark.ui.enabled": "false", **conf},
    )
    spark.sparkContext.setLogLevel("ERROR")
    results = {
        label: outcome(lambda check=check, arg=arg: CHECKS[check](spark, arg))
        for label, check, arg in checks
    }
    print(json.dumps(results))
    spark.stop()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), json.loads(sys.argv[2]))
