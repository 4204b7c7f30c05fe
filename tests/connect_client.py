"""Runs in its own process (a Connect client cannot share a process with a classic session):
starts a local Spark Connect server with spark-onnx and a model registered by configuration,
scores rows read from a parquet file (a real scan, not a local relation the client sends)
through SQL, the DataFrame function and a model registered from the client, and prints the
results, the physical plan and the server's ONNX Runtime run counts as JSON. Then, on the same
server (one start-up for test_connect.py's two tests), a text model registered from the client
(its path and tokenizer as settings, under the server's allowed root) embeds and tokenizes
texts in SQL and with the DataFrame functions.

    python connect_client.py models/digits.onnx rows.json WORK_DIR models/testing/text texts.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspark.errors import AnalysisException, PySparkException
from pyspark.sql import SparkSession

import spark_onnx
from spark_onnx.functions import onnx_predict, onnx_tokenize


def session_runs(spark: SparkSession) -> int:
    """`OrtSession.run` calls so far in the server's JVM (driver and executors in local mode)."""
    return spark.sql("SELECT onnx_runtime_stats().sessionRuns AS runs").first().runs


def scored(spark: SparkSession, frame) -> tuple[list, int]:
    """The rows of `frame` (id, p) in id order, and the session runs they took."""
    before = session_runs(spark)
    rows = [r.p for r in frame.orderBy("id").collect()]
    return rows, session_runs(spark) - before


def refusal(attempt) -> dict:
    """The error class and condition an attempt that must be refused raises."""
    try:
        attempt()
    except PySparkException as e:
        return {"type": type(e).__name__, "condition": e.getCondition()}
    return {"type": None, "condition": None}


def register_and_describe(spark: SparkSession, path: str) -> None:
    """What a Connect client can do: register a path by configuration, then name it."""
    spark_onnx.register(spark, "hostile", path)
    try:
        spark_onnx.describe(spark, "hostile")
    finally:
        spark_onnx.unregister(spark, "hostile")


def text_model(spark: SparkSession, folder: str, texts_path: str) -> dict:
    """A text model registered from the client: embeddings by SQL and function, token ids."""
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
    return {
        "sql": [list(r.v) for r in sql],
        "function": [list(r.v) for r in function],
        "ids": [list(r.ids) for r in tokens.orderBy("id").collect()],
    }


def main(model_path: str, rows_path: str, work_dir: str, text_folder: str, texts: str) -> None:
    builder = (
        SparkSession.builder.remote("local[2]")
        .config("spark.ui.enabled", "false")
        # Whoever starts the server lets clients name models from the models folder only.
        .config("spark.onnx.model.allowedRoots", str(Path(model_path).parent))
    )
    spark = spark_onnx.configure(builder, models={"digits": model_path}).getOrCreate()
    assert not hasattr(spark, "_jsparkSession"), "expected a Spark Connect session"
    with open(rows_path) as rows:
        pixels = json.load(rows)
    parquet = str(Path(work_dir) / "rows.parquet")
    local = spark.createDataFrame(list(enumerate(pixels)), "id INT, pixels ARRAY<FLOAT>")
    local.repartition(2).write.mode("overwrite").parquet(parquet)
    frame = spark.read.parquet(parquet)
    frame.createOrReplaceTempView("rows")
    query = "SELECT id, onnx_predict('digits', pixels) AS p FROM rows"
    # Connect's analyze requests (schema, columns, EXPLAIN) read the model's signature only:
    # no ONNX Runtime session is made and nothing runs until a query executes.
    before = spark.sql("SELECT onnx_runtime_stats() AS s").first().s
    analyzed = (
        spark.sql(query).schema,
        frame.select(onnx_predict("digits", "pixels").alias("p")).columns,
    )
    assert analyzed[0].names == ["id", "p"] and analyzed[1] == ["p"], analyzed
    plan = spark.sql(f"EXPLAIN {query}").first()[0]
    after = spark.sql("SELECT onnx_runtime_stats() AS s").first().s
    analysis = {
        "sessionsCreated": after.sessionsCreated - before.sessionsCreated,
        "sessionRuns": after.sessionRuns - before.sessionRuns,
    }
    by_sql, sql_runs = scored(spark, spark.sql(query))
    by_function, function_runs = scored(
        spark, frame.select("id", onnx_predict("digits", "pixels").alias("p"))
    )
    spark_onnx.register(spark, "digits_registered", model_path)
    by_register, register_runs = scored(
        spark, spark.sql("SELECT id, onnx_predict('digits_registered', pixels) AS p FROM rows")
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
    security = {
        name: refusal(attempt)
        for name, attempt in {
            "static setting": lambda: spark.sql("SET spark.onnx.customOpLibraries=/tmp/x.so"),
            "bad number": lambda: spark.conf.set("spark.onnx.batchSize", "1e9"),
            "host file": lambda: register_and_describe(spark, "/etc/passwd"),
            "url": lambda: register_and_describe(spark, "http://127.0.0.1:9/m.onnx"),
            # Under the allowed root but missing: register itself fails, naming the file.
            "missing file": lambda: spark_onnx.register(
                spark, "missing", str(Path(model_path).parent / "no_such_model.onnx")
            ),
        }.items()
    }
    result = {
        "sql": by_sql,
        "function": by_function,
        "registered": by_register,
        "runs": {"sql": sql_runs, "function": function_runs, "registered": register_runs},
        "plan": plan,
        "analysis": analysis,
        "names": list(spark_onnx.registered(spark)),
        "input_shape": list(spark_onnx.describe(spark, "digits").inputs[0].shape),
        "error": error,
        "security": security,
    }
    result["text"] = text_model(spark, text_folder, texts)
    print(json.dumps(result))
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:6])
