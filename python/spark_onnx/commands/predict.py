"""`spark-onnx predict`: the main batch job. Scores a Parquet/CSV table or a folder of images
with a model on Spark and writes Parquet. Arguments and files are checked first
(`predict_plan`); Spark's start-up is timed apart from the scoring, whose rate is printed."""

from __future__ import annotations

import sys
import time

from .predict_plan import IMAGE_GLOB, PredictPlan, plan
from .progress import Progress, total_rows
from .quiet import quiet_conf


def run(args) -> int:
    job = plan(args)
    total, exact = total_rows(args.input, job.format, job.image_files)

    import spark_onnx

    started = time.time()
    spark = spark_onnx.session(
        master=args.master,
        app_name="spark-onnx predict",
        conf=quiet_conf(),
    )
    spark.sparkContext.setLogLevel("ERROR")
    print(f"Spark started in {time.time() - started:.1f} s ({args.master})", file=sys.stderr)
    try:
        spark_onnx.register(spark, "model", str(job.model.path), batch_size=args.batch_size)
        scored = _scored(spark, job, args.top_k)
        spark.sparkContext.setJobGroup("spark-onnx-predict", f"score {args.input}")
        began = time.time()
        with Progress(spark, "spark-onnx-predict", total, exact, args.progress_every):
            scored.write.mode("overwrite").parquet(args.output)
        seconds = time.time() - began
        written = spark.read.parquet(args.output)
        rows = written.count()
        print(
            f"scored {rows:,} rows with {job.model.path.name} in {seconds:.1f} s "
            f"({rows / max(seconds, 1e-9):,.0f} rows/s, Spark start-up excluded) -> {args.output}"
        )
        if job.model.labels is not None and args.show > 0:
            _show_top_k(written, job, args.show)
    finally:
        spark.stop()
    return 0


def _scored(spark, job: PredictPlan, top_k: int):
    if job.format == "images":
        frame = spark.read.format("binaryFile").option("pathGlobFilter", IMAGE_GLOB)
        frame = frame.load(job.input).select("path", "content")
        keep = ["path"]
    else:
        reader = spark.read
        if job.format == "csv":
            reader = reader.option("header", True).option("inferSchema", True)
        frame = reader.format(job.format).load(job.input)
        keep = [f"`{c.replace('`', '``')}`" for c in frame.columns]
    prediction = f"onnx_predict('model', {', '.join(job.feeds)})"
    selected = [*keep, f"{prediction} AS prediction"]
    scored = frame.selectExpr(*selected)
    if job.model.labels is not None:
        labels = ", ".join("'" + _escape(label) + "'" for label in job.model.labels)
        scored = scored.selectExpr(
            "*", f"onnx_top_k(prediction, {top_k}, array({labels})) AS top_k"
        )
    return scored


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _show_top_k(written, job: PredictPlan, count: int) -> None:
    key = "path" if job.format == "images" else None
    columns = [key, "top_k"] if key else ["top_k"]
    rows = written.select(*columns).limit(count).collect()
    print(f"top {len(rows[0].top_k) if rows else 0} labels, first {len(rows)} rows:")
    for i, row in enumerate(rows):
        name = row.path.rsplit("/", 1)[-1] if key else f"row {i}"
        best = ", ".join(f"{t.label} {t.probability:.3f}" for t in row.top_k)
        print(f"  {name}: {best}")
