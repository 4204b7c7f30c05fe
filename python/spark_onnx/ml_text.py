"""Spark ML text stage: a thin wrapper over `sparkonnx.ml.TextEmbedder` (tokenization, the
encoder and pooling all run in the JVM)."""

from __future__ import annotations

import os
from typing import Any

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasInputCol, HasOutputCol
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

from .config import model_location
from .ml import _SparkOnnxReader


class TextEmbedder(
    JavaTransformer,
    HasInputCol,
    HasOutputCol,
    JavaMLReadable["TextEmbedder"],
    JavaMLWritable,
):
    """Text -> embedding vector with an ONNX transformer encoder and its tokenizer.json; saved
    and loaded with both files inside the stage's folder (docs/text.md).

    >>> embedder = TextEmbedder(modelPath="models/zoo/all_minilm_l6_v2.onnx",
    ...                         tokenizerPath="models/zoo/all_minilm_l6_v2.tokenizer.json",
    ...                         pooling="mean", normalize=True, maxLength=256)
    >>> Pipeline(stages=[embedder, LogisticRegression()]).fit(reviews)
    """

    modelPath: Param[str] = Param(
        Params._dummy(),
        "modelPath",
        "path or URI (any Hadoop file system) of the ONNX text encoder, read on the driver and "
        "saved with the stage",
        typeConverter=TypeConverters.toString,
    )
    tokenizerPath: Param[str] = Param(
        Params._dummy(),
        "tokenizerPath",
        "path or URI of the model's Hugging Face tokenizer.json, saved with the stage",
        typeConverter=TypeConverters.toString,
    )
    pooling: Param[str] = Param(
        Params._dummy(),
        "pooling",
        "how token vectors become one vector: 'mean' (masked mean) or 'cls' (first token)",
        typeConverter=TypeConverters.toString,
    )
    normalize: Param[bool] = Param(
        Params._dummy(),
        "normalize",
        "divide each vector by its L2 norm",
        typeConverter=TypeConverters.toBoolean,
    )
    maxLength: Param[int] = Param(
        Params._dummy(),
        "maxLength",
        "the most tokens a text keeps (special tokens included); longer texts are truncated",
        typeConverter=TypeConverters.toInt,
    )
    outputName: Param[str] = Param(
        Params._dummy(),
        "outputName",
        "model output to use; empty for the model's first output",
        typeConverter=TypeConverters.toString,
    )
    batchSize: Param[int] = Param(
        Params._dummy(),
        "batchSize",
        "rows per window of texts sorted by length; 0 for the session's spark.onnx.batchSize",
        typeConverter=TypeConverters.toInt,
    )

    @keyword_only
    def __init__(
        self,
        *,
        modelPath: str | os.PathLike[str] | None = None,
        tokenizerPath: str | os.PathLike[str] | None = None,
        inputCol: str | None = None,
        outputCol: str | None = None,
        pooling: str | None = None,
        normalize: bool | None = None,
        maxLength: int | None = None,
        outputName: str | None = None,
        batchSize: int | None = None,
    ) -> None:
        super().__init__()
        self._java_obj = self._create_java("sparkonnx.ml.TextEmbedder")
        self._setDefault(
            modelPath="",
            tokenizerPath="",
            inputCol="text",
            outputCol="features",
            pooling="mean",
            normalize=False,
            maxLength=512,
            outputName="",
            batchSize=0,
        )
        self.setParams(**self._input_kwargs)

    def _create_java(self, java_class: str) -> Any:
        from . import _jvm

        return _jvm.new_stage(java_class, self.uid)

    @keyword_only
    def setParams(self, **kwargs: Any) -> TextEmbedder:
        for key in ("modelPath", "tokenizerPath"):
            if kwargs.get(key) is not None:
                kwargs[key] = model_location(kwargs[key])
        return self._set(**{k: v for k, v in kwargs.items() if v is not None})

    def setInputCol(self, value: str) -> TextEmbedder:
        return self._set(inputCol=value)

    def setOutputCol(self, value: str) -> TextEmbedder:
        return self._set(outputCol=value)

    def setModelPath(self, value: str | os.PathLike[str]) -> TextEmbedder:
        return self._set(modelPath=model_location(value))

    def setTokenizerPath(self, value: str | os.PathLike[str]) -> TextEmbedder:
        return self._set(tokenizerPath=model_location(value))

    def setPooling(self, value: str) -> TextEmbedder:
        return self._set(pooling=value)

    def setNormalize(self, value: bool) -> TextEmbedder:
        return self._set(normalize=value)

    def setMaxLength(self, value: int) -> TextEmbedder:
        return self._set(maxLength=value)

    def setOutputName(self, value: str) -> TextEmbedder:
        return self._set(outputName=value)

    def setBatchSize(self, value: int) -> TextEmbedder:
        return self._set(batchSize=value)

    def getModelPath(self) -> str:
        return self.getOrDefault(self.modelPath)

    def getTokenizerPath(self) -> str:
        return self.getOrDefault(self.tokenizerPath)

    def getPooling(self) -> str:
        return self.getOrDefault(self.pooling)

    def getNormalize(self) -> bool:
        return self.getOrDefault(self.normalize)

    def getMaxLength(self) -> int:
        return self.getOrDefault(self.maxLength)

    def getOutputName(self) -> str:
        return self.getOrDefault(self.outputName)

    def getBatchSize(self) -> int:
        return self.getOrDefault(self.batchSize)

    @classmethod
    def read(cls) -> JavaMLReader[TextEmbedder]:
        return _SparkOnnxReader(cls)
