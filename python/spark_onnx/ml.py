"""Spark ML stages: thin wrappers over the Scala stages in `sparkonnx.ml` (Scala owns the
Params; a parity test checks these declarations match)."""

from __future__ import annotations

import os
from typing import Any

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

from . import _jvm
from .config import model_location
from .model import OnnxModel


class _SparkOnnxReader(JavaMLReader):
    """Loads our stages: the JVM class lives in `sparkonnx.ml`, not `org.apache.spark.ml`."""

    @classmethod
    def _java_loader_class(cls, clazz: type) -> str:
        return f"sparkonnx.ml.{clazz.__name__}"


class _ModelHolder(Params):
    """The model of a stage, always one of two Params (mirrors Scala's `ModelHolder`):
    `modelName`, a model registered in the session, or `modelPath`, a model the stage holds (a
    path or URI, read on the driver and saved inside the stage's directory). `setModel` holds an
    in-memory model: the driver JVM writes it once to a content-addressed file and `modelPath`
    names that file, so a held model is a plain string Param that `copy()`, `save`/`load` and
    the Params of a `CrossValidator` carry like any other."""

    modelName: Param[str] = Param(
        Params._dummy(),
        "modelName",
        "name of a model registered in the session; empty to use the model held by the stage",
        typeConverter=TypeConverters.toString,
    )

    modelPath: Param[str] = Param(
        Params._dummy(),
        "modelPath",
        "path or URI (any Hadoop file system) of the ONNX model the stage holds, read on the "
        "driver and saved with the stage; empty to use the registered model modelName",
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

    def getModelName(self) -> str:
        return self.getOrDefault(self.modelName)

    def getModelPath(self) -> str:
        return self.getOrDefault(self.modelPath)

    def setModelName(self, value: str) -> Any:
        """Uses the model registered as `value` in the session (and drops a held model)."""
        return self._set(modelName=value, modelPath="")

    def setModelPath(self, value: str | os.PathLike[str]) -> Any:
        """Holds the model at `value`: a URI (`hdfs://`, `s3a://`, `file:`) as given, a plain
        path made absolute. The JVM reads it on the driver when the stage first needs it."""
        return self._set(modelPath=model_location(value), modelName="")

    def setModel(self, model: OnnxModel | bytes) -> Any:
        """Holds a model given in memory: checked and written once to a content-addressed file
        of the driver JVM, which becomes `modelPath`."""
        data = model.bytes if isinstance(model, OnnxModel) else bytes(model)
        return self.setModelPath(_jvm.stash_model(data))

    def _create_java(self, java_class: str) -> Any:
        return _jvm.new_stage(java_class, self.uid)

    def _set_with_model(self, **kwargs: Any) -> Any:
        """`setParams` for a model holder: the model arguments through their setters."""
        sources = {k: kwargs.pop(k) for k in ("modelName", "modelPath", "model") if k in kwargs}
        sources = {k: v for k, v in sources.items() if v is not None}
        if len(sources) > 1:
            raise ValueError(
                f"give one of modelName, modelPath and model, not {' and '.join(sources)}"
            )
        feed = kwargs.pop("feed", None)
        self._set(**{k: v for k, v in kwargs.items() if v is not None})
        for key, value in sources.items():  # setModelName, setModelPath or setModel
            getattr(self, f"set{key[0].upper()}{key[1:]}")(value)
        if feed is not None:
            self.setFeed(feed)  # type: ignore[attr-defined]
        return self


class OnnxTransformer(
    JavaTransformer, _ModelHolder, JavaMLReadable["OnnxTransformer"], JavaMLWritable
):
    """Runs an ONNX model as a pipeline stage, on the batched `onnx_predict` engine.

    The model is held by the stage (`modelPath`, or `model` in memory) or registered in the
    session (`modelName`). Saving the stage, or a pipeline holding it, stores the model bytes
    too; the loaded stage holds that copy (`modelPath` is the saved `model.onnx`).

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
            modelPath="",
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

    def setInputCol(self, value: str) -> OnnxTransformer:
        """The ML convention for a one-input model: `setInputCols([value])`."""
        return self.setInputCols([value])

    def setOutputCol(self, value: str) -> OnnxTransformer:
        """The ML convention for one fetched output: `setOutputCols([value])`."""
        return self.setOutputCols([value])

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


# The text stage lives in its own module (it needs _SparkOnnxReader above); importable from here.
from .ml_text import TextEmbedder

__all__ = ["OnnxTransformer", "TextEmbedder"]
