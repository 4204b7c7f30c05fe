"""Transfer learning on Spark, all in the JVM: digit images -> pretrained MobileNetV2 features
(ImageFeaturizer) -> LogisticRegression, with CrossValidator choosing the featurizer's network
and the head's regularisation. Writes a confusion-matrix PNG a person can look at.

The labelled images are scikit-learn's 8x8 digits (BSD-3-Clause), encoded as PNG: a real
10-class image set that needs no download."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np


def digit_images(limit: int) -> list[tuple[bytearray, float]]:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = []
    for pixels, label in list(zip(digits.images, digits.target))[:limit]:
        image = Image.fromarray((pixels * 255.0 / 16.0).astype(np.uint8), mode="L")
        out = io.BytesIO()
        image.save(out, format="PNG")
        rows.append((bytearray(out.getvalue()), float(label)))
    return rows


def confusion_png(matrix: np.ndarray, accuracy: float, path: Path) -> Path:
    from PIL import Image, ImageDraw

    cell, margin = 44, 60
    size = margin + cell * len(matrix) + 10
    image = Image.new("RGB", (size, size + 30), "white")
    draw = ImageDraw.Draw(image)
    peak = max(int(matrix.max()), 1)
    for true, row in enumerate(matrix):
        for predicted, count in enumerate(row):
            shade = 255 - int(200 * count / peak)
            box = (margin + predicted * cell, margin + true * cell)
            draw.rectangle([box, (box[0] + cell - 2, box[1] + cell - 2)], fill=(shade, shade, 255))
            draw.text((box[0] + 12, box[1] + 15), str(int(count)), fill="black")
        draw.text((margin - 20, margin + true * cell + 15), str(true), fill="black")
        draw.text((margin + true * cell + 18, margin - 20), str(true), fill="black")
    draw.text((4, 4), "true (rows) vs predicted (columns)", fill="black")
    draw.text((4, size + 8), f"test accuracy {accuracy:.3f}", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def run(spark, out: str = "demo-output", images: int = 600) -> int:
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    from spark_onnx import zoo
    from spark_onnx.ml_images import ImageFeaturizer

    for name in zoo.models():
        zoo.register(spark, name)
    data = spark.createDataFrame(digit_images(images), "image BINARY, label DOUBLE")
    train, test = data.randomSplit([0.7, 0.3], seed=7)
    train, test = train.cache(), test.cache()

    featurizer = ImageFeaturizer(modelName="mobilenet_v2_features", inputCol="image")
    # 50 iterations: on 1280 pooled features the head has converged well before (accuracy
    # within noise of 100 iterations), and each iteration is a Spark job.
    head = LogisticRegression(maxIter=50)
    grid = (
        ParamGridBuilder()
        .addGrid(featurizer.modelName, [f"{name}_features" for name in zoo.models()])
        .addGrid(head.regParam, [0.01, 0.1])
        .build()
    )
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    search = CrossValidator(
        estimator=Pipeline(stages=[featurizer, head]),
        estimatorParamMaps=grid,
        evaluator=evaluator,
        numFolds=2,
        seed=7,
        parallelism=2,  # two grid points fit at once: one per core of local[2]
    )
    started = time.time()
    fitted = search.fit(train)
    best = fitted.bestModel
    predictions = best.transform(test).cache()
    accuracy = evaluator.evaluate(predictions)
    seconds = time.time() - started
    print(f"\ntransfer learning: {train.count()} training / {test.count()} test digit images")
    for params, metric in zip(grid, fitted.avgMetrics):
        chosen = {p.name: v for p, v in params.items()}
        print(f"  cv accuracy {metric:.3f}  {chosen}")
    print(
        f"best: featurizer {best.stages[0].getModelName()}, regParam {best.stages[1].getRegParam()}"
    )
    print(f"test accuracy {accuracy:.4f}  ({seconds:.0f} s for the search and the test)")

    pairs = predictions.select("label", "prediction").collect()
    matrix = np.zeros((10, 10), dtype=int)
    for row in pairs:
        matrix[int(row.label), int(row.prediction)] += 1
    picture = confusion_png(matrix, accuracy, Path(out) / "transfer_confusion.png")
    print(f"confusion matrix: {picture}")

    saved = Path(out) / "transfer_pipeline"
    best.write().overwrite().save(str(saved))
    print(f"fitted pipeline saved to {saved}")
    train.unpersist()
    test.unpersist()
    predictions.unpersist()
    return 0
