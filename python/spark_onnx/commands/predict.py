"""`spark-onnx predict`: the main batch job. Scores a Parquet/CSV table or a folder of images
with a model on Spark and writes Parquet."""

from __future__ import annotations

import json
import time
from pathlib import Path

import spark_onnx
from spark_onnx.functions import onnx_predict

IMAGE_SUFFIXES = "*.{jpg,jpeg,JPG,JPEG,png,PNG,bmp,BMP,gif,GIF}"


def detect_format(path: str) -> str:
    p = Path(path)
    if p.suffix.lower() == ".csv":
        return "csv"
    if p.is_dir() and not any(p.glob("*.parquet")) and not (p / "_SUCCESS").exists():
        return "images"
    return "parquet"


def preset_for(model_path: str, given: str | None) -> str:
    """The preprocessing preset: given, else the zoo card beside the model, else imagenet."""
    if given:
        return given
    for card in Path(model_path).resolve().parent.glob("*.json"):
        data = json.loads(card.read_text())
        files = {data.get(k, {}).get("file") for k in ("classifier", "features")}
        if Path(model_path).name in files:
            return data["name"]
    return "imagenet"


def run(args) -> int:
    spark = spark_onnx.session(master=args.master, app_name="spark-onnx predict")
    spark.sparkContext.setLogLevel("ERROR")
    model = spark_onnx.load(args.model)
    spark_onnx.register(spark, "model", args.model, batch_size=args.batch_size)
    fmt = args.format or detect_format(args.input)
    if fmt == "images":
        frame = (
            spark.read.format("binaryFile")
            .option("pathGlobFilter", IMAGE_SUFFIXES)
            .load(args.input)
        )
        tensor = f"onnx_image_tensor(content, '{preset_for(args.model, args.preset)}')"
        scored = frame.selectExpr("path", f"onnx_predict('model', {tensor}) AS prediction")
    else:
        reader = (
            spark.read.option("header", True).option("inferSchema", True)
            if fmt == "csv"
            else spark.read
        )
        frame = reader.format(fmt).load(args.input)
        columns = args.columns.split(",") if args.columns else [i.name for i in model.inputs]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SystemExit(
                f"spark-onnx predict: no column(s) {missing} in {args.input} "
                f"(columns: {frame.columns}); name the model's inputs with --columns"
            )
        scored = frame.withColumn("prediction", onnx_predict("model", *columns))
    started = time.time()
    scored.write.mode("overwrite").parquet(args.output)
    seconds = time.time() - started
    rows = spark.read.parquet(args.output).count()
    print(
        f"scored {rows:,} rows with {Path(args.model).name} in {seconds:.1f} s "
        f"({rows / max(seconds, 1e-9):,.0f} rows/s) -> {args.output}"
    )
    spark.stop()
    return 0
