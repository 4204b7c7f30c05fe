"""Spark ML image stages: thin wrappers over `sparkonnx.ml.ImageFeaturizer` and
`ImagePredictor` (decoding, resizing and the model all run in the JVM)."""

from __future__ import annotations

from typing import Any

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasInputCol, HasOutputCol
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

from .ml import _ModelHolder, _SparkOnnxReader
from .model import OnnxModel


class _ImageModelParams(HasInputCol, HasOutputCol):
    preset: Param[str] = Param(
        Params._dummy(),
        "preset",
        "image preprocessing: 'auto' (what the model records, else 'imagenet') or a preset of "
        "onnx_image_tensor ('imagenet', 'mobilenet_v2', 'efficientnet_lite0')",
        typeConverter=TypeConverters.toString,
    )
    outputName: Param[str] = Param(
        Params._dummy(),
        "outputName",
        "model output to use; empty for the model's first output",
        typeConverter=TypeConverters.toString,
    )

    def getPreset(self) -> str:
        return self.getOrDefault(self.preset)

    def getOutputName(self) -> str:
        return self.getOrDefault(self.outputName)

    def setInputCol(self, value: str) -> Any:
        """The image column: Spark's `image` struct or encoded bytes (PNG, JPEG, ...)."""
        return self._set(inputCol=value)

    def setOutputCol(self, value: str) -> Any:
        return self._set(outputCol=value)

    def setPreset(self, value: str) -> Any:
        """Image preprocessing: 'auto' (what the model records, else 'imagenet'), or a preset
        of `onnx_image_tensor` ('imagenet', 'mobilenet_v2', 'efficientnet_lite0')."""
        return self._set(preset=value)

    def setOutputName(self, value: str) -> Any:
        """The model output to use (e.g. a feature layer); empty for the first output."""
        return self._set(outputName=value)


class ImageFeaturizer(
    JavaTransformer,
    _ModelHolder,
    _ImageModelParams,
    JavaMLReadable["ImageFeaturizer"],
    JavaMLWritable,
):
    """Image (Spark `image` struct or encoded bytes) -> feature vector with a pretrained network.

    >>> featurizer = ImageFeaturizer(modelPath="models/zoo/mobilenet_v2_features.onnx",
    ...                              inputCol="image", outputCol="features")
    >>> Pipeline(stages=[featurizer, LogisticRegression()]).fit(images)
    """

    @keyword_only
    def __init__(
        self,
        *,
        modelName: str | None = None,
        modelPath: str | None = None,
        model: OnnxModel | bytes | None = None,
        inputCol: str | None = None,
        outputCol: str | None = None,
        preset: str | None = None,
        outputName: str | None = None,
        batchSize: int | None = None,
    ) -> None:
        super().__init__()
        self._java_obj = self._create_java("sparkonnx.ml.ImageFeaturizer")
        self._setDefault(
            modelName="",
            modelPath="",
            inputCol="image",
            outputCol="features",
            preset="auto",
            outputName="",
            batchSize=0,
        )
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, **kwargs: Any) -> ImageFeaturizer:
        return self._set_with_model(**kwargs)

    @classmethod
    def read(cls) -> JavaMLReader[ImageFeaturizer]:
        return _SparkOnnxReader(cls)


class ImagePredictor(
    JavaTransformer,
    _ModelHolder,
    _ImageModelParams,
    JavaMLReadable["ImagePredictor"],
    JavaMLWritable,
):
    """Image -> the top-k classes of a pretrained classifier,
    `array<struct<index, label, probability>>` (raw scores with `decode=False`)."""

    topK: Param[int] = Param(
        Params._dummy(), "topK", "how many classes to return", typeConverter=TypeConverters.toInt
    )
    labels: Param[list[str]] = Param(
        Params._dummy(),
        "labels",
        "class names by index; empty for the ones the model records (metadata spark_onnx.labels, "
        "as the zoo's classifiers have), else indices only",
        typeConverter=TypeConverters.toListString,
    )
    decode: Param[bool] = Param(
        Params._dummy(),
        "decode",
        "return the top classes with labels; false for the model's raw scores",
        typeConverter=TypeConverters.toBoolean,
    )

    @keyword_only
    def __init__(
        self,
        *,
        modelName: str | None = None,
        modelPath: str | None = None,
        model: OnnxModel | bytes | None = None,
        inputCol: str | None = None,
        outputCol: str | None = None,
        preset: str | None = None,
        outputName: str | None = None,
        batchSize: int | None = None,
        topK: int | None = None,
        labels: list[str] | None = None,
        decode: bool | None = None,
    ) -> None:
        super().__init__()
        self._java_obj = self._create_java("sparkonnx.ml.ImagePredictor")
        self._setDefault(
            modelName="",
            modelPath="",
            inputCol="image",
            outputCol="predictions",
            preset="auto",
            outputName="",
            batchSize=0,
            topK=5,
            labels=[],
            decode=True,
        )
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, **kwargs: Any) -> ImagePredictor:
        return self._set_with_model(**kwargs)

    def setTopK(self, value: int) -> ImagePredictor:
        """How many classes to return, best first."""
        return self._set(topK=value)

    def setLabels(self, value: list[str]) -> ImagePredictor:
        """Class names by index; empty for the ones the model records (the zoo's classifiers
        carry theirs), else indices only."""
        return self._set(labels=value)

    def setDecode(self, value: bool) -> ImagePredictor:
        """True for the top classes with labels; False for the model's raw scores."""
        return self._set(decode=value)

    def getTopK(self) -> int:
        return self.getOrDefault(self.topK)

    def getLabels(self) -> list[str]:
        return self.getOrDefault(self.labels)

    def getDecode(self) -> bool:
        return self.getOrDefault(self.decode)

    @classmethod
    def read(cls) -> JavaMLReader[ImagePredictor]:
        return _SparkOnnxReader(cls)
