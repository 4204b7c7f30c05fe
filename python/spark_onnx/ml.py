"""Spark ML stages: thin wrappers over the Scala stages in `sparkonnx.ml` (Scala owns the
Params; a parity test checks these declarations match)."""

from __future__ import annotations

from typing import Any

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

from .model import OnnxModel


class _SparkOnnxReader(JavaMLReader):
    """Loads our stages: the JVM class lives in `sparkonnx.ml`, not `org.apache.spark.ml`."""

    @classmethod
    def _java_loader_class(cls, clazz: type) -> str:
        return f"sparkonnx.ml.{clazz.__name__}"


class _ModelHolder(Params):
    """The model of a stage: registered in the session (`modelName`) or held by the stage
    (`modelPath` / `model`), which then saves it with the stage. Mirrors Scala's ModelHolder."""

    modelName: Param[str] = Param(
        Params._dummy(),
        "modelName",
        "name of a model registered in the session; empty to use the model held by the stage",
        typeConverter=TypeConverters.toString,
    )

    batchSize: Param[int] = Param(
        Params._dummy(),
        "batchSize",
        "rows per ONNX Runtime run; 0 for the session's spark.onnx.batchSize",
        typeConverter=TypeConverters.toInt,
    )

    def getBatchSize(self) -> int:
        return self.getOrDefault(self.batchSize)

    def setBatchSize(self, value: int) -> Any:
        return self._set(batchSize=value)

    def _create_java(self, java_class: str) -> Any:
        from pyspark import SparkContext

        from ._jvm import require_class

        require_class(SparkContext._jvm, java_class)
        return self._new_java_obj(java_class, self.uid)

    def _set_with_model(self, **kwargs: Any) -> Any:
        path, model = kwargs.pop("modelPath", None), kwargs.pop("model", None)
        feed = kwargs.pop("feed", None)
        name = kwargs.pop("modelName", None)
        self._set(**{k: v for k, v in kwargs.items() if v is not None})
        if name is not None:
            self.setModelName(name)
        if path is not None:
            self.setModelPath(path)
        if model is not None:
            self.setModel(model)
        if feed is not None:
            self.setFeed(feed)  # type: ignore[attr-defined]
        return self

    def setModelPath(self, path: str) -> Any:
        """Holds the model at `path`, read now on the driver."""
        import os

        self._java_obj.setModelPath(os.path.abspath(path) if "://" not in path else path)
        return self._set(modelName="")

    def setModel(self, model: OnnxModel | bytes) -> Any:
        """Holds a model given in memory."""
        data = model.bytes if isinstance(model, OnnxModel) else bytes(model)
        self._java_obj.setModel(bytearray(data))
        return self._set(modelName="")

    def setModelName(self, value: str) -> Any:
        """Uses the model registered as `value` in the session."""
        self._java_obj.setModelName(value)
        return self._set(modelName=value)

    def getModelName(self) -> str:
        return self.getOrDefault(self.modelName)

    def setInputCol(self, value: str) -> Any:
        return self._set(inputCol=value)

    def setOutputCol(self, value: str) -> Any:
        return self._set(outputCol=value)


class OnnxTransformer(
    JavaTransformer, _ModelHolder, JavaMLReadable["OnnxTransformer"], JavaMLWritable
):
    """Runs an ONNX model as a pipeline stage, on the batched `onnx_predict` engine.

    The model is held by the stage (`modelPath` or `model`) or registered in the session
    (`modelName`). Saving the stage, or a pipeline holding it, stores the model bytes too.

    >>> scorer = OnnxTransformer(modelPath="models/digits.onnx", inputCols=["pixels"],
    ...                          outputCols=["probabilities"])
    >>> scorer.transform(images)
    """

    inputCols: Param[list[str]] = Param(
        Params._dummy(),
        "inputCols",
        "columns feeding the model's inputs, in model input order unless inputNames is set",
        typeConverter=TypeConverters.toListString,
    )
    inputNames: Param[list[str]] = Param(
        Params._dummy(),
        "inputNames",
        "model input fed by each of inputCols (a feed map); empty for model input order",
        typeConverter=TypeConverters.toListString,
    )
    outputCols: Param[list[str]] = Param(
        Params._dummy(),
        "outputCols",
        "columns receiving the fetched outputs; empty to name them after the outputs",
        typeConverter=TypeConverters.toListString,
    )
    outputNames: Param[list[str]] = Param(
        Params._dummy(),
        "outputNames",
        "model outputs to fetch (ONNX Runtime computes only what they need); empty for all",
        typeConverter=TypeConverters.toListString,
    )
    vectorOutput: Param[bool] = Param(
        Params._dummy(),
        "vectorOutput",
        "turn one-dimensional array outputs into ML vectors (for Spark ML estimators)",
        typeConverter=TypeConverters.toBoolean,
    )

    @keyword_only
    def __init__(
        self,
        *,
        modelName: str | None = None,
        modelPath: str | None = None,
        model: OnnxModel | bytes | None = None,
        inputCols: list[str] | None = None,
        inputNames: list[str] | None = None,
        feed: dict[str, str] | None = None,
        outputCols: list[str] | None = None,
        outputNames: list[str] | None = None,
        batchSize: int | None = None,
        vectorOutput: bool | None = None,
    ) -> None:
        super().__init__()
        self._java_obj = self._create_java("sparkonnx.ml.OnnxTransformer")
        self._setDefault(
            modelName="",
            inputCols=[],
            inputNames=[],
            outputCols=[],
            outputNames=[],
            batchSize=0,
            vectorOutput=False,
        )
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, **kwargs: Any) -> OnnxTransformer:
        """Sets any of the constructor's arguments."""
        return self._set_with_model(**kwargs)

    def setFeed(self, feed: dict[str, str]) -> OnnxTransformer:
        """Feeds model inputs from columns by name: input name -> column."""
        names = sorted(feed)
        return self._set(inputNames=names, inputCols=[feed[n] for n in names])

    def setInputCols(self, value: list[str]) -> OnnxTransformer:
        return self._set(inputCols=value)

    def setInputNames(self, value: list[str]) -> OnnxTransformer:
        return self._set(inputNames=value)

    def setOutputCols(self, value: list[str]) -> OnnxTransformer:
        return self._set(outputCols=value)

    def setOutputNames(self, value: list[str]) -> OnnxTransformer:
        return self._set(outputNames=value)

    def setVectorOutput(self, value: bool) -> OnnxTransformer:
        return self._set(vectorOutput=value)

    def getInputCols(self) -> list[str]:
        return self.getOrDefault(self.inputCols)

    def getInputNames(self) -> list[str]:
        return self.getOrDefault(self.inputNames)

    def getOutputCols(self) -> list[str]:
        return self.getOrDefault(self.outputCols)

    def getOutputNames(self) -> list[str]:
        return self.getOrDefault(self.outputNames)

    def getVectorOutput(self) -> bool:
        return self.getOrDefault(self.vectorOutput)

    @classmethod
    def read(cls) -> JavaMLReader[OnnxTransformer]:
        return _SparkOnnxReader(cls)
