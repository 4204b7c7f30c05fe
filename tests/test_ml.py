"""spark_onnx.ml.OnnxTransformer: scores like onnxruntime, round-trips save/load, matches the
Scala Params, and works inside Pipeline / CrossValidator."""

from __future__ import annotations

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


@pytest.mark.parametrize("stage_class", [OnnxTransformer, ImageFeaturizer, ImagePredictor])
def test_params_match_the_scala_stage(spark, stage_class):
    stage = stage_class()
    java = stage._java_obj
    python_params = {p.name for p in stage.params}
    java_params = {p.name() for p in java.params()}
    assert python_params == java_params
    for param in stage.params:
        java_param = java.getParam(param.name)
        java_default = java.getDefault(java_param).get()
        python_default = stage.getOrDefault(param)
        if isinstance(python_default, list):
            java_default = list(java_default)
        assert python_default == java_default, param.name


def test_save_load_round_trip_runs_with_nothing_registered(
    spark, digits_frame, digits_direct, tmp_path
):
    stage = OnnxTransformer(modelName="digits", inputCols=["pixels"], outputCols=["p"], batchSize=8)
    stage.write().overwrite().save(str(tmp_path / "stage"))
    loaded = OnnxTransformer.load(str(tmp_path / "stage"))
    assert loaded.uid == stage.uid
    assert loaded.getBatchSize() == 8 and loaded.getOutputCols() == ["p"]
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
    head = LogisticRegression(maxIter=20)
    pipeline = Pipeline(stages=[assembler, scorer, head])
    grid = ParamGridBuilder().addGrid(head.regParam, [0.0, 0.1]).build()
    evaluator = MulticlassClassificationEvaluator(metricName="accuracy")
    search = CrossValidator(
        estimator=pipeline, estimatorParamMaps=grid, evaluator=evaluator, numFolds=2, seed=1
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
