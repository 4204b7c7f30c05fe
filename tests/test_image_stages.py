"""The image stages and the zoo on real photos: top-1 labels, features against onnxruntime on
PIL-preprocessed input, SQL deployment, save/load, and a fitted transfer-learning pipeline."""

from __future__ import annotations

import io

import numpy as np
import onnxruntime as ort
import pytest
from image_reference import preprocess
from PIL import Image
from skimage import data as photos

import spark_onnx
from spark_onnx import zoo
from spark_onnx.ml_images import ImageFeaturizer, ImagePredictor
from spark_onnx.transfer_demo import digit_images

PHOTOS = {"chelsea": "Egyptian cat", "coffee": "espresso"}


def png(array: np.ndarray) -> bytearray:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return bytearray(out.getvalue())


@pytest.fixture(scope="module")
def photo_frame(spark):
    rows = [(name, png(getattr(photos, name)())) for name in PHOTOS]
    return spark.createDataFrame(rows, "name STRING, image BINARY")


@pytest.fixture(scope="module")
def mobilenet(spark):
    return zoo.register(spark, "mobilenet_v2")


def direct(path, name) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batch = preprocess(Image.fromarray(getattr(photos, name)()))[None]
    return session.run(None, {"image": batch})[0][0]


def test_image_predictor_names_the_photos(photo_frame, mobilenet):
    stage = ImagePredictor(modelPath=str(mobilenet.classifier), labels=mobilenet.labels, topK=3)
    rows = {r.name: r.predictions for r in stage.transform(photo_frame).collect()}
    for name, label in PHOTOS.items():
        expected = direct(mobilenet.classifier, name)
        assert rows[name][0].label == label
        assert rows[name][0]["index"] == int(expected.argmax())
        assert rows[name][0].probability == pytest.approx(float(expected.max()), abs=0.02)
        assert [p.probability for p in rows[name]] == sorted(
            (p.probability for p in rows[name]), reverse=True
        )


def test_image_featurizer_matches_onnxruntime_on_pil_preprocessing(photo_frame, mobilenet):
    stage = ImageFeaturizer(modelName="mobilenet_v2_features", inputCol="image", outputCol="f")
    scored = stage.transform(photo_frame)
    # 1 MiB of input per run on the CPU (spark.onnx.batchMaxBytes) / 602,112 bytes per image.
    assert "batchSize=1)" in scored._jdf.queryExecution().toString()
    rows = {r.name: r.f.toArray() for r in scored.collect()}
    for name in PHOTOS:
        expected = direct(mobilenet.features, name)
        assert rows[name].shape == (1280,)
        # Preprocessing differs from PIL by at most one 8-bit level on a few pixels.
        np.testing.assert_allclose(rows[name], expected, atol=0.05, rtol=0.05)
        assert np.corrcoef(rows[name], expected)[0, 1] > 0.999


def test_zoo_sql_function(spark, photo_frame, mobilenet):
    photo_frame.createOrReplaceTempView("photos")
    rows = spark.sql("SELECT name, mobilenet_v2_top5(image) AS top FROM photos").collect()
    assert {r.name: r.top[0].label for r in rows} == PHOTOS
    assert all(len(r.top) == 5 for r in rows)


def test_stages_save_and_load(spark, photo_frame, mobilenet, tmp_path):
    for stage in (
        ImagePredictor(modelName="mobilenet_v2", labels=mobilenet.labels, topK=1),
        ImageFeaturizer(modelName="mobilenet_v2_features"),
    ):
        before = stage.transform(photo_frame).drop("image").collect()
        path = str(tmp_path / type(stage).__name__)
        stage.write().overwrite().save(path)
        loaded = type(stage).load(path)
        assert loaded.uid == stage.uid and loaded.getPreset() == "auto"
        fresh = spark.newSession()
        frame = fresh.createDataFrame(photo_frame.rdd, photo_frame.schema)
        after = loaded.transform(frame).drop("image").collect()
        assert before == after


def test_transfer_learning_pipeline(spark, mobilenet, tmp_path):
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    data = spark.createDataFrame(digit_images(240), "image BINARY, label DOUBLE")
    train, test = data.randomSplit([0.7, 0.3], seed=3)
    pipeline = Pipeline(
        stages=[ImageFeaturizer(modelName="mobilenet_v2_features"), LogisticRegression(maxIter=60)]
    )
    model = pipeline.fit(train)
    accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(
        model.transform(test)
    )
    assert accuracy > 0.75, accuracy
    model.write().overwrite().save(str(tmp_path / "pipeline"))
    reloaded = PipelineModel.load(str(tmp_path / "pipeline"))
    before = model.transform(test).select("prediction").collect()
    assert reloaded.transform(test).select("prediction").collect() == before


def test_zoo_names_need_no_registration_and_come_labelled(spark, photo_frame):
    # A new session has no registered models: the name resolves from spark.onnx.zoo.dirs.
    fresh = spark.newSession()
    frame = fresh.createDataFrame(photo_frame.collect(), photo_frame.schema)
    stage = ImagePredictor(modelName="mobilenet_v2", inputCol="image", topK=5)
    rows = {r.name: r.predictions for r in stage.transform(frame).collect()}
    labels = zoo.get("mobilenet_v2").labels
    for name, label in PHOTOS.items():
        assert rows[name][0].label == label
        assert [p.label for p in rows[name]] == [labels[p["index"]] for p in rows[name]]
    assert "mobilenet_v2" not in spark_onnx.registered(fresh)
    frame.createOrReplaceTempView("photos")
    top1 = fresh.sql(
        "SELECT array_position(p, array_max(p)) - 1 AS top1 FROM (SELECT onnx_predict("
        "'mobilenet_v2', onnx_image_tensor(image, 'mobilenet_v2')) AS p FROM photos)"
    ).collect()
    assert sorted(labels[r.top1] for r in top1) == sorted(PHOTOS.values())
