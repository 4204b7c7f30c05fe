"""One Params surface (STYLE rule 11): for every ML stage, the Python wrapper and the Scala
stage declare the same Params with the same defaults, and have the same `setX`/`getX` methods,
checked both ways. A Param or an accessor added on one side only fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.wrapper import JavaTransformer

from spark_onnx import _jvm
from spark_onnx.ml import OnnxTransformer
from spark_onnx.ml_images import ImageFeaturizer, ImagePredictor
from spark_onnx.ml_text import TextEmbedder

STAGES = [OnnxTransformer, ImageFeaturizer, ImagePredictor, TextEmbedder]

ACCESSOR = re.compile(r"^(get|set)[A-Z]\w*$")

# Python-only by PySpark's own convention: every pyspark stage has a keyword-only `setParams`.
PYTHON_ONLY = {"setParams"}


def python_params(stage: Params) -> dict[str, Any]:
    return {
        p.name: stage.getOrDefault(p) if stage.hasDefault(p) else _jvm.NO_DEFAULT
        for p in stage.params
    }


def python_accessors(stage_class: type) -> set[str]:
    """The stage's own `setX`/`getX`, less PySpark's `Params` API (`getOrDefault`, ...)."""
    spark_api = {name for name in dir(JavaTransformer) if ACCESSOR.match(name)}
    own = {name for name in dir(stage_class) if ACCESSOR.match(name)}
    return own - spark_api - PYTHON_ONLY


def scala_accessors(stage: JavaTransformer) -> set[str]:
    """The Scala class's public `setX`/`getX`, less Spark's `Transformer`/`Params` API."""
    return {name for name in _jvm.stage_methods(stage._java_obj) if ACCESSOR.match(name)}


def differences(stage: JavaTransformer) -> dict[str, Any]:
    """Everything one side has and the other lacks; empty when the surfaces agree."""
    python, scala = python_params(stage), _jvm.stage_params(stage._java_obj)
    py_methods, scala_methods = python_accessors(type(stage)), scala_accessors(stage)
    found = {
        "params only in Python": sorted(python.keys() - scala.keys()),
        "params only in Scala": sorted(scala.keys() - python.keys()),
        "different defaults": {
            name: (python[name], scala[name])
            for name in python.keys() & scala.keys()
            if python[name] != scala[name]
        },
        "methods only in Python": sorted(py_methods - scala_methods),
        "methods only in Scala": sorted(scala_methods - py_methods),
    }
    return {kind: found[kind] for kind in found if found[kind]}


@pytest.mark.parametrize("stage_class", STAGES, ids=lambda c: c.__name__)
def test_python_and_scala_stages_have_one_surface(spark, stage_class):
    stage = stage_class()
    assert not any(stage.isSet(p) for p in stage.params)
    assert differences(stage) == {}


@pytest.mark.parametrize("stage_class", STAGES, ids=lambda c: c.__name__)
def test_every_param_has_a_getter_and_a_setter(spark, stage_class):
    stage = stage_class()
    methods = python_accessors(stage_class)
    for param in stage.params:
        suffix = param.name[0].upper() + param.name[1:]
        assert {f"get{suffix}", f"set{suffix}"} <= methods, param.name


class _PythonOnlyParam(OnnxTransformer):
    """A wrapper that drifted: a Param and a setter the Scala stage does not have."""

    threshold: Param[float] = Param(
        Params._dummy(), "threshold", "not in Scala", typeConverter=TypeConverters.toFloat
    )

    def setThreshold(self, value: float) -> _PythonOnlyParam:
        return self._set(threshold=value)


def test_the_check_sees_a_python_only_param_and_setter(spark):
    found = differences(_PythonOnlyParam())
    assert found["params only in Python"] == ["threshold"]
    assert found["methods only in Python"] == ["setThreshold"]


def test_the_check_sees_scala_only_methods_and_params(spark):
    # The Scala side seen from a Python class that knows only the ML base: everything the
    # Scala stage declares is then "only in Scala".
    class Bare(JavaTransformer):
        def __init__(self) -> None:
            super().__init__()
            self._java_obj = _jvm.new_stage("sparkonnx.ml.ImagePredictor", self.uid)

    found = differences(Bare())
    assert {"topK", "labels", "decode", "modelPath"} <= set(found["params only in Scala"])
    assert {"setTopK", "getModelPath", "setModel"} <= set(found["methods only in Scala"])
