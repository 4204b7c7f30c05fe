"""Structured streaming through `onnx_predict`: JSON files landing in a folder are scored as they
arrive and appended to a Parquet table, each row once (the checkpoint remembers which files are
done). The model runs batched inside the executors exactly as in a batch query; a stream is just
another plan under the same `OnnxEval` operator.

    .venv/bin/python examples/streaming.py          # scores the held-out digits in 3 arrivals

`tests/test_streaming.py` runs `score_new_files` and checks every row against ONNX Runtime.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from spark_onnx.functions import onnx_predict

SCHEMA = "id BIGINT, pixels ARRAY<FLOAT>"


def score_new_files(
    spark: SparkSession, incoming: str, table: str, checkpoint: str
) -> StreamingQuery:
    """Scores every file in `incoming` not scored yet, appends to the Parquet `table`, and stops
    (Trigger.AvailableNow); with `.trigger(processingTime="10 seconds")` it would keep running."""
    rows = spark.readStream.schema(SCHEMA).json(incoming)
    scored = rows.select(
        "id",
        onnx_predict("digits", "pixels").alias("probabilities"),
    ).selectExpr(
        "id",
        "probabilities",
        "array_position(probabilities, array_max(probabilities)) - 1 AS digit",
    )
    return (
        scored.writeStream.format("parquet")
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .start(table)
    )


def write_arrival(folder: Path, name: str, rows: list[tuple[int, list[float]]]) -> None:
    """One file of JSON lines, written aside and renamed in: a stream never sees half a file."""
    part = folder / f".{name}.tmp"
    part.write_text("".join(json.dumps({"id": i, "pixels": p}) + "\n" for i, p in rows))
    part.rename(folder / f"{name}.json")


def main() -> int:
    import spark_onnx

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "models"))
    import digits

    _, x_test, _, y_test = digits.load_split()
    spark = spark_onnx.session(app_name="spark-onnx streaming")
    spark.sparkContext.setLogLevel("ERROR")
    spark_onnx.register(spark, "digits", root / "models" / "digits.onnx")
    work = Path(tempfile.mkdtemp(prefix="spark-onnx-stream-"))
    incoming = work / "incoming"
    incoming.mkdir()
    rows = [(i, p.tolist()) for i, p in enumerate(x_test)]
    for arrival, chunk in enumerate((rows[:200], rows[200:400], rows[400:])):
        write_arrival(incoming, f"arrival-{arrival}", chunk)
        query = score_new_files(spark, str(incoming), str(work / "table"), str(work / "checkpoint"))
        query.awaitTermination()
        done = spark.read.parquet(str(work / "table"))
        print(f"arrival {arrival}: {len(chunk)} rows scored, table has {done.count()} rows")
    result = {r.id: r.digit for r in spark.read.parquet(str(work / "table")).collect()}
    accuracy = sum(result[i] == y for i, y in enumerate(y_test)) / len(y_test)
    print(f"accuracy {accuracy:.4f} over {len(result)} streamed rows; table at {work / 'table'}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
