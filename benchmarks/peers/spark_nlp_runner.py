"""Tries Spark NLP on the text scenario's ONNX encoder, offline: imports the local ONNX file with
`BertEmbeddings.loadSavedModel` (the documented way to bring one's own model), then times
DocumentAssembler -> Tokenizer -> BertEmbeddings over the texts. Runs in the peers' venv
(PySpark 3.5), calling Spark NLP's JVM API through py4j (no `spark-nlp` Python package needed):

    peers-venv/bin/python spark_nlp_runner.py job.json

job.json: onnx, tokenizer (a tokenizer.json with a WordPiece vocabulary), texts (a file, one text
a line), check_texts, runs, jars, heap_gb, result. The result records either the timings and the
token vectors of the first check_texts texts (with their character offsets), or the step that
failed and its error, verbatim."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path


def saved_model_folder(onnx: Path, tokenizer: Path, folder: Path) -> Path:
    """The folder layout loadSavedModel reads: the ONNX file and assets/vocab.txt."""
    vocab = json.loads(tokenizer.read_text())["model"]["vocab"]
    (folder / "assets").mkdir(parents=True)
    words = sorted(vocab, key=vocab.get)
    (folder / "assets" / "vocab.txt").write_text("\n".join(words) + "\n")
    shutil.copy(onnx, folder / "model.onnx")
    return folder


def main(path: str) -> int:
    from pyspark.sql import DataFrame, SparkSession

    job = json.loads(Path(path).read_text())
    result: dict = {"step": "start Spark 3.5 with the Spark NLP jars"}
    out = Path(job["result"])
    spark = None
    try:
        heap = f"{job['heap_gb']}g"
        began = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("bench-peers-spark-nlp")
            .config("spark.jars", ",".join(job["jars"]))
            .config("spark.driver.memory", heap)
            .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        result["spark_start_seconds"] = time.perf_counter() - began
        jvm = spark.sparkContext._jvm
        nlp = jvm.com.johnsnowlabs.nlp
        with tempfile.TemporaryDirectory(prefix="spark-nlp-model-") as tmp:
            result["step"] = "BertEmbeddings.loadSavedModel(folder with model.onnx, spark)"
            folder = saved_model_folder(Path(job["onnx"]), Path(job["tokenizer"]), Path(tmp))
            # Scala's default for the third parameter (useOpenvino) is not there through py4j.
            embeddings = nlp.embeddings.BertEmbeddings.loadSavedModel(
                str(folder), spark._jsparkSession, False
            )
            embeddings = embeddings.setInputCols(strings(spark, "document", "token"))
            embeddings = embeddings.setOutputCol("embeddings")
            result["step"] = "build the pipeline"
            stages = [
                nlp.DocumentAssembler().setInputCol("text").setOutputCol("document"),
                nlp.annotators.Tokenizer()
                .setInputCols(strings(spark, "document"))
                .setOutputCol("token"),
                embeddings,
            ]
            texts = Path(job["texts"]).read_text().splitlines()
            df = spark.createDataFrame(
                [(i, t) for i, t in enumerate(texts)], "id long, text string"
            )
            df = df.repartition(2).cache()
            df.count()
            result["step"] = "fit the pipeline"
            jpipeline = jvm.org.apache.spark.ml.Pipeline().setStages(_stage_array(spark, stages))
            model = jpipeline.fit(df._jdf)
            result["step"] = "score the texts"
            scored = DataFrame(model.transform(df._jdf), spark)
            # Token vectors of the first texts, for the check against onnxruntime.
            checked = scored.where(f"id < {job['check_texts']}").select("id", "embeddings")
            result["check"] = [
                {
                    "id": row.id,
                    "tokens": [
                        {"begin": a.begin, "end": a.end, "vector": list(a.embeddings)}
                        for a in row.embeddings
                    ],
                }
                for row in checked.collect()
            ]
            seconds = []
            for _ in range(job["runs"] + 1):
                start = time.perf_counter()
                scored.select("embeddings").write.format("noop").mode("overwrite").save()
                seconds.append(time.perf_counter() - start)
            result["seconds"] = seconds[1:]
            result["rows"] = len(texts)
            result["step"] = "done"
            result["ok"] = True
    except Exception as error:  # noqa: BLE001 - the report says exactly what failed, and where
        result["ok"] = False
        result["error"] = f"{type(error).__name__}: {error}"[:4000]
        result["traceback"] = traceback.format_exc()[-4000:]
    finally:
        if spark is not None:
            spark.stop()
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def strings(spark, *values: str):
    """A Java String[]: what Spark NLP's varargs setters take through py4j."""
    gateway = spark.sparkContext._gateway
    array = gateway.new_array(gateway.jvm.java.lang.String, len(values))
    for i, value in enumerate(values):
        array[i] = value
    return array


def _stage_array(spark, stages):
    gateway = spark.sparkContext._gateway
    array = gateway.new_array(gateway.jvm.org.apache.spark.ml.PipelineStage, len(stages))
    for i, stage in enumerate(stages):
        array[i] = stage
    return array


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
