"""Runs in its own process (a Connect client cannot share a process with a classic session):
starts a local Spark Connect server with spark-onnx and a model registered by configuration,
scores rows through SQL and the DataFrame function, and prints the results as JSON."""

from __future__ import annotations

import json
import sys

from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

import spark_onnx
from spark_onnx.functions import onnx_predict


def main(model_path: str, rows_path: str) -> None:
    builder = SparkSession.builder.remote("local[2]").config("spark.ui.enabled", "false")
    spark = spark_onnx.configure(builder, models={"digits": model_path}).getOrCreate()
    assert not hasattr(spark, "_jsparkSession"), "expected a Spark Connect session"
    with open(rows_path) as rows:
        pixels = json.load(rows)
    frame = spark.createDataFrame(list(enumerate(pixels)), "id INT, pixels ARRAY<FLOAT>")
    frame.createOrReplaceTempView("rows")
    by_sql = spark.sql("SELECT id, onnx_predict('digits', pixels) AS p FROM rows ORDER BY id")
    by_function = frame.select("id", onnx_predict("digits", "pixels").alias("p")).orderBy("id")
    spark_onnx.register(spark, "digits_registered", model_path)
    by_register = spark.sql(
        "SELECT id, onnx_predict('digits_registered', pixels) AS p FROM rows ORDER BY id"
    )
    try:
        spark.sql("SELECT onnx_predict('nope', pixels) FROM rows").collect()
        error = None
    except AnalysisException as e:
        error = {
            "type": type(e).__name__,
            "typed": isinstance(e, spark_onnx.errors.ModelNotFound),
            "condition": e.getCondition(),
            "parameters": e.getMessageParameters(),
        }
    print(
        json.dumps(
            {
                "sql": [r.p for r in by_sql.collect()],
                "function": [r.p for r in by_function.collect()],
                "registered": [r.p for r in by_register.collect()],
                "names": list(spark_onnx.registered(spark)),
                "input_shape": list(spark_onnx.describe(spark, "digits").inputs[0].shape),
                "error": error,
            }
        )
    )
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
