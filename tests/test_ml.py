"""spark_onnx.ml: OnnxTransformer scores like onnxruntime and works inside Pipeline /
CrossValidator; every stage round-trips save/load and copy() with every Param and its model
(the Python/Scala parity of the Params is tests/test_ml_parity.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

import spark_onnx
from conftest import DIGITS
from spark_onnx.ml import OnnxTransformer
from spark_onnx.ml_images import ImageFeaturizer, ImagePredictor


def by_id(rows, column):
    return np.array([r[column] for r in sorted(rows, key=lambda r: r.id)], dtype=np.float32)


STAGES = {
    "held model from a path": lambda: OnnxTransformer(
        modelPath=str(DIGITS), inputCols=["pixels"], outputCols=["p"]
    ),
    "held model in memory": lambda: OnnxTransformer(
        model=spark_onnx.load(DIGITS), inputCols=["pixels"], outputCols=["p"], batchSize=16
    ),
    "registered model with a feed map": lambda: OnnxTransformer(
        modelName="digits", feed={"pixels": "pixels"}, outputCols=["p"]
    ),
}


@pytest.mark.parametrize("make", STAGES.values(), ids=STAGES.keys())
def test_transform_matches_onnxruntime(digits_frame, digits_direct, make):
    result = make().transform(digits_frame)
    np.testing.assert_array_equal(by_id(result.collect(), "p"), digits_direct)


# Every Param of every stage set through its Python setter to a value other than its default.
PARAM_VALUES = {
    OnnxTransformer: {
        "inputCols": ["a", "b"],
        "inputNames": ["x", "y"],
        "outputCols": ["o"],
        "outputNames": ["probabilities"],
        "vectorOutput": True,
        "batchSize": 7,
    },
    ImageFeaturizer: {
        "inputCol": "picture",
        "outputCol": "vec",
        "preset": "mobilenet_v2",
        "outputName": "pooled",
        "batchSize": 3,
    },
    ImagePredictor: {
        "inputCol": "picture",
        "outputCol": "top",
        "preset": "efficientnet_lite0",
        "outputName": "logits",
        "batchSize": 2,
        "topK": 2,
        "labels": ["cat", "dog"],
        "decode": False,
    },
}
MODEL_PARAMS = {"modelName", "modelPath"}


def with_values(stage_class):
    stage = stage_class()
    for name, value in PARAM_VALUES[stage_class].items():
        getattr(stage, f"set{name[0].upper()}{name[1:]}")(value)
    return stage


def assert_values(stage, stage_class):
    for name, value in PARAM_VALUES[stage_class].items():
        assert getattr(stage, f"get{name[0].upper()}{name[1:]}")() == value, name


@pytest.mark.parametrize("stage_class", PARAM_VALUES, ids=lambda c: c.__name__)
def test_every_param_and_the_held_model_round_trip_save_load(spark, stage_class, tmp_path):
    stage = with_values(stage_class).setModel(spark_onnx.load(DIGITS))
    assert {p.name for p in stage.params} - MODEL_PARAMS == PARAM_VALUES[stage_class].keys()
    defaults = {p.name: v for p, v in stage._defaultParamMap.items()}
    assert all(stage.getOrDefault(n) != defaults[n] for n in PARAM_VALUES[stage_class])
    stage.write().save(str(tmp_path / "stage"))
    loaded = stage_class.load(str(tmp_path / "stage"))
    assert type(loaded) is stage_class and loaded.uid == stage.uid
    assert_values(loaded, stage_class)
    # The loaded stage holds the saved copy of the model, named by its URI.
    assert loaded.getModelName() == ""
    assert loaded.getModelPath() == (tmp_path / "stage" / "model.onnx").as_uri().replace(
        "file:///", "file:/"
    )
    assert (tmp_path / "stage" / "model.onnx").read_bytes() == DIGITS.read_bytes()
    # ... and saves it again, with every Param.
    loaded.write().save(str(tmp_path / "again"))
    again = stage_class.load(str(tmp_path / "again"))
    assert_values(again, stage_class)
    assert (tmp_path / "again" / "model.onnx").read_bytes() == DIGITS.read_bytes()


@pytest.mark.parametrize("stage_class", PARAM_VALUES, ids=lambda c: c.__name__)
def test_copy_keeps_every_param_and_the_held_model(spark, stage_class):
    stage = with_values(stage_class).setModelPath(DIGITS)
    copied = stage.copy()
    assert copied.uid == stage.uid and copied.getModelPath() == str(DIGITS)
    assert_values(copied, stage_class)
    assert copied._java_obj.getModelPath() == str(DIGITS)


def test_the_held_model_is_the_model_path_param(spark, digits_frame, digits_direct):
    stage = OnnxTransformer(model=spark_onnx.load(DIGITS), inputCols=["pixels"])
    sha = spark_onnx.load(DIGITS).sha256
    assert stage.getModelPath().startswith("file:/")
    assert stage.getModelPath().endswith(f"/{sha}.onnx")
    assert stage.getModelName() == ""
    # Set through the Params API alone (as CrossValidator's param maps do), it still scores.
    blank = OnnxTransformer()
    plain = blank.copy({blank.modelPath: stage.getModelPath()})
    plain.setInputCol("pixels").setOutputCol("p")
    np.testing.assert_array_equal(
        by_id(plain.transform(digits_frame).collect(), "p"), digits_direct
    )
    assert stage.setModelName("digits").getModelPath() == ""
    assert stage.setModelPath(DIGITS).getModelName() == ""
    with pytest.raises(ValueError, match="one of modelName, modelPath and model"):
        OnnxTransformer(modelName="digits", modelPath=str(DIGITS))


def test_model_path_keeps_uris_and_makes_plain_paths_absolute(spark):
    stage = OnnxTransformer(modelPath="hdfs://namenode:8020/models/digits.onnx")
    assert stage.getModelPath() == "hdfs://namenode:8020/models/digits.onnx"
    assert stage.setModelPath("models/x.onnx").getModelPath() == os.path.abspath("models/x.onnx")


def test_a_missing_held_model_fails_typed_on_use(spark, digits_frame, tmp_path):
    stage = OnnxTransformer(modelPath=str(tmp_path / "missing.onnx"), inputCols=["pixels"])
    with pytest.raises(spark_onnx.errors.ModelFileNotFound) as caught:
        stage.transform(digits_frame)
    assert caught.value.getMessageParameters()["path"] == str(tmp_path / "missing.onnx")
    with pytest.raises(spark_onnx.errors.InvalidModel):
        OnnxTransformer(model=b"not a model")


def test_save_load_round_trip_runs_with_nothing_registered(
    spark, digits_frame, digits_direct, tmp_path
):
    stage = OnnxTransformer(modelName="digits", inputCols=["pixels"], outputCols=["p"], batchSize=8)
    stage.write().overwrite().save(str(tmp_path / "stage"))
    loaded = OnnxTransformer.load(str(tmp_path / "stage"))
    assert loaded.uid == stage.uid
    assert loaded.getBatchSize() == 8 and loaded.getOutputCols() == ["p"]
    assert loaded.getModelName() == "" and loaded.getModelPath().endswith("/model.onnx")
    fresh = spark.newSession()
    frame = fresh.createDataFrame(digits_frame.rdd, digits_frame.schema)
    np.testing.assert_array_equal(by_id(loaded.transform(frame).collect(), "p"), digits_direct)


def pixel_columns(frame):
    """The digits as 64 numeric columns, as a VectorAssembler user has them."""
    return frame.selectExpr(
        "id", "CAST(label AS DOUBLE) AS label", *[f"pixels[{i}] AS px{i}" for i in range(64)]
    )


def test_pipeline_with_vector_assembler_and_cross_validator(spark, digits_frame, tmp_path):
    data = pixel_columns(digits_frame).cache()
    assembler = VectorAssembler(inputCols=[f"px{i}" for i in range(64)], outputCol="pixel_vector")
    scorer = OnnxTransformer(
        modelPath=str(DIGITS),
        inputCols=["pixel_vector"],
        outputCols=["features"],
        vectorOutput=True,
    )
    head = LogisticRegression(maxIter=10)
    pipeline = Pipeline(stages=[assembler, scorer, head])
    grid = ParamGridBuilder().addGrid(head.regParam, [0.0, 0.1]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    # Two models fitted at once: a fit is many small Spark jobs, each mostly waiting.
    search = CrossValidator(
        estimator=pipeline,
        estimatorParamMaps=grid,
        evaluator=evaluator,
        numFolds=2,
        seed=1,
        parallelism=2,
    )
    model = search.fit(data).bestModel
    predictions = model.transform(data)
    accuracy = evaluator.evaluate(predictions)
    assert accuracy > 0.9
    model.write().overwrite().save(str(tmp_path / "pipeline"))
    reloaded = PipelineModel.load(str(tmp_path / "pipeline"))
    assert isinstance(reloaded.stages[1], OnnxTransformer)
    again = reloaded.transform(data).select("id", "prediction").collect()
    before = predictions.select("id", "prediction").collect()
    assert sorted(again) == sorted(before)
