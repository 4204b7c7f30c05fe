"""A thin Spark Connect client of bin/connect-server (tests/test_deploy_connect.py runs it in a
process of its own): no JVM, no py4j gateway. Scores the digits rows with
`spark_onnx.functions`, uses the models the server registered by configuration (digits, the
zoo, one given with --model) and one the client registers, and collects the typed errors a
user gets. Prints one JSON line.

    python tests/deploy_connect_client.py 15002 rows.json photos/
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pyspark import SparkContext
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from pyspark.sql.functions import col, expr

import spark_onnx
from spark_onnx.functions import onnx_predict, try_onnx_predict


def child_processes() -> list[int]:
    """Processes this one started (a classic session would have forked its JVM)."""
    me = os.getpid()
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                children.append(int(proc.name))
    return children


def error_of(attempt) -> dict:
    try:
        attempt()
    except PySparkException as e:
        return {
            "type": type(e).__name__,
            "typed": isinstance(e, spark_onnx.errors.SparkOnnxError),
            "condition": e.getCondition(),
            "parameters": e.getMessageParameters(),
        }
    return {"type": None}


def main(port: str, rows_path: str, photos: str) -> None:
    spark = SparkSession.builder.remote(f"sc://127.0.0.1:{port}").getOrCreate()
    pixels = json.loads(Path(rows_path).read_text())
    frame = spark.createDataFrame(list(enumerate(pixels)), "id INT, pixels ARRAY<FLOAT>")
    scored = frame.select("id", onnx_predict("digits", "pixels").alias("p")).orderBy("id")
    extra = frame.select("id", onnx_predict("digits_extra", col("pixels")).alias("p"))
    spark_onnx.register(spark, "digits_client", os.environ["CLIENT_MODEL"])
    by_client = frame.select("id", onnx_predict("digits_client", "pixels").alias("p"))
    short = spark.createDataFrame([(1, [1.0, 2.0, 3.0])], "id INT, pixels ARRAY<FLOAT>")
    labelled = (
        spark.read.format("binaryFile")
        .load(photos)
        .select(
            "path",
            expr(
                "onnx_top_k(onnx_predict('mobilenet_v2', onnx_image_tensor(content, 'mobilenet_v2')),"
                " 1)[0].index"
            ).alias("top1"),
        )
    )
    result = {
        "digits": [r.p for r in scored.collect()],
        "digits_extra": [r.p for r in extra.orderBy("id").collect()],
        "digits_client": [r.p for r in by_client.orderBy("id").collect()],
        "try_short_row": short.select(try_onnx_predict("digits", "pixels").alias("p")).first().p,
        "zoo_top1": {Path(r.path).name: r.top1 for r in labelled.collect()},
        "names": sorted(spark_onnx.registered(spark)),
        "errors": {
            "unknown model": error_of(
                lambda: frame.select(onnx_predict("nope", "pixels")).collect()
            ),
            "short row": error_of(lambda: short.select(onnx_predict("digits", "pixels")).collect()),
            "bad setting": error_of(lambda: spark.conf.set("spark.onnx.batchSize", "1e9")),
            "static setting": error_of(
                lambda: spark.sql("SET spark.onnx.customOpLibraries=/tmp/libcustom.so")
            ),
        },
        # A thin client: PySpark never launched a JVM or a py4j gateway in this process.
        "py4j_gateway": SparkContext._gateway is not None or SparkContext._jvm is not None,
        "classic": hasattr(spark, "_jsparkSession"),
        "children": child_processes(),
    }
    spark.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:4])
