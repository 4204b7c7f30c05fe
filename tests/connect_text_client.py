"""Runs in its own process (a Connect client cannot share a process with a classic session):
a local Spark Connect server where a text model is registered from the client (its path and
tokenizer as settings, under the server's allowed root), then embeds and tokenizes texts in
SQL and with the DataFrame functions; prints the results as JSON."""

from __future__ import annotations

import json
import sys

from pyspark.sql import SparkSession

import spark_onnx
from spark_onnx.functions import onnx_predict, onnx_tokenize


def main(folder: str, texts_path: str) -> None:
    builder = (
        SparkSession.builder.remote("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.onnx.model.allowedRoots", folder)
    )
    spark = spark_onnx.configure(builder).getOrCreate()
    assert not hasattr(spark, "_jsparkSession"), "expected a Spark Connect session"
    spark_onnx.register(
        spark,
        "tiny",
        f"{folder}/tiny_encoder.onnx",
        tokenizer=f"{folder}/wordpiece.tokenizer.json",
        pooling="mean",
        normalize=True,
    )
    with open(texts_path) as f:
        texts = json.load(f)
    frame = spark.createDataFrame(list(enumerate(texts)), "id INT, text STRING")
    frame.createOrReplaceTempView("texts")
    sql = spark.sql("SELECT id, onnx_predict('tiny', text) AS v FROM texts ORDER BY id").collect()
    function = frame.select("id", onnx_predict("tiny", "text").alias("v")).orderBy("id").collect()
    tokens = frame.select("id", onnx_tokenize("tiny", "text").input_ids.alias("ids"))
    print(
        json.dumps(
            {
                "sql": [list(r.v) for r in sql],
                "function": [list(r.v) for r in function],
                "ids": [list(r.ids) for r in tokens.orderBy("id").collect()],
            }
        )
    )
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
