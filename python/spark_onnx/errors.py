"""spark-onnx errors as typed Python exceptions.

Every JVM error condition of spark-onnx (see `error-conditions.json`) surfaces as one of the
classes below, each a subclass of the matching `pyspark.errors` class, on classic and Spark
Connect sessions alike:

>>> try:
...     spark.sql("SELECT onnx_predict('nope', x) FROM t").collect()
... except spark_onnx.errors.ModelNotFound as e:
...     e.getCondition(), e.getMessageParameters()["model"]
('ONNX_MODEL_NOT_FOUND', 'nope')

PySpark builds its own exception from a JVM error; `install()` (run on `import spark_onnx`)
wraps PySpark's converters so ours come out instead, the way Delta Lake's Python package does.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from typing import Any

from pyspark.errors import (
    AnalysisException,
    IllegalArgumentException,
    PySparkException,
    SparkRuntimeException,
)


class SparkOnnxError(PySparkException):
    """Base of every spark-onnx error; `getCondition()` and `getMessageParameters()` work."""

    def getMessage(self) -> str:
        # Classic PySpark formats from Spark's own registry, which does not know our
        # conditions: the JVM's message (`_desc`) already is the formatted one.
        desc = getattr(self, "_desc", None)
        return desc if desc is not None else super().getMessage()


class ModelNotFound(SparkOnnxError, AnalysisException):
    """ONNX_MODEL_NOT_FOUND: no model is registered under the name."""


class ModelAlreadyRegistered(SparkOnnxError, AnalysisException):
    """ONNX_MODEL_ALREADY_REGISTERED: a different model already holds the name."""


class InputMismatch(SparkOnnxError, AnalysisException):
    """The columns cannot feed the model: count, types, struct fields or a non-constant name."""


class UnknownOutput(SparkOnnxError, AnalysisException):
    """ONNX_UNKNOWN_OUTPUT: an `outputs` option names an output the model does not have."""


class InvalidOption(SparkOnnxError, AnalysisException):
    """ONNX_INVALID_OPTION: a call option is unknown or has a bad value."""


class UnsupportedTensorType(SparkOnnxError, AnalysisException):
    """ONNX_UNSUPPORTED_TENSOR_TYPE: an input or output type Spark cannot carry."""


class ModelFileNotFound(SparkOnnxError, AnalysisException):
    """ONNX_MODEL_FILE_NOT_FOUND: the model path does not exist or cannot be read."""


class InvalidModel(SparkOnnxError, AnalysisException):
    """ONNX_INVALID_MODEL: the bytes are not a model ONNX Runtime can load."""


class ModelSourceNotAllowed(SparkOnnxError, AnalysisException):
    """ONNX_MODEL_SOURCE_NOT_ALLOWED / ONNX_MODEL_SCHEME_NOT_ALLOWED: the model path lies outside
    the roots a session may name (`spark.onnx.model.allowedRoots`), or fetches from a server
    (`spark.onnx.model.allowedUrlSchemes`); both are set when Spark starts (docs/security.md)."""


class InvalidSetting(SparkOnnxError, IllegalArgumentException):
    """ONNX_INVALID_SETTING: a `spark.onnx.*` setting's value is not one it takes; the
    parameters name the key and what it takes (`key`, `value`, `expected`)."""


class InputShapeMismatch(SparkOnnxError, SparkRuntimeException):
    """ONNX_INPUT_SHAPE_MISMATCH: a row's values do not fit the input's shape."""


class InvalidInputValue(SparkOnnxError, SparkRuntimeException):
    """A value the input cannot take: a null inside an array, or out of the type's range."""


class RuntimeFailure(SparkOnnxError, SparkRuntimeException):
    """ONNX_RUNTIME_FAILURE: ONNX Runtime failed while running the model."""


class NameTaken(SparkOnnxError, AnalysisException):
    """ONNX_FUNCTION_NAME_TAKEN: a model's SQL function would hide a built-in or temporary one."""


class StageModelNotSet(SparkOnnxError, AnalysisException):
    """ONNX_STAGE_MODEL_NOT_SET: an ML stage names no model, or both a registered and a held one."""


class ExtensionNotEnabled(SparkOnnxError, AnalysisException):
    """ONNX_EXTENSION_NOT_ENABLED: the session was started without
    `spark.sql.extensions=sparkonnx.SparkOnnxExtensions`, so no model can be called in it."""


class BatchContractMismatch(SparkOnnxError, AnalysisException):
    """The batched row <-> tensor contract does not fit the model or the call (a batch axis
    that cannot be found, an input that needs a constant, an output with no batch axis);
    the message says what to do, often `whole_call=True` (docs/tensors.md)."""


class OutputShapeMismatch(SparkOnnxError, SparkRuntimeException):
    """ONNX_OUTPUT_SHAPE_MISMATCH / ONNX_OUTPUT_MIXES_ROWS: a batched run returned an output that
    drops or mixes rows; call with `whole_call=True`."""


CONDITIONS: dict[str, type[SparkOnnxError]] = {
    "ONNX_MODEL_NOT_FOUND": ModelNotFound,
    "ONNX_MODEL_ALREADY_REGISTERED": ModelAlreadyRegistered,
    "ONNX_MODEL_NAME_NOT_CONSTANT": InputMismatch,
    "ONNX_MODEL_HAS_NO_LABELS": InputMismatch,
    "ONNX_WRONG_NUM_INPUTS": InputMismatch,
    "ONNX_INPUT_TYPE_MISMATCH": InputMismatch,
    "ONNX_INPUT_FIELDS_MISMATCH": InputMismatch,
    "ONNX_IMAGE_TYPE_MISMATCH": InputMismatch,
    "ONNX_UNKNOWN_OUTPUT": UnknownOutput,
    "ONNX_INVALID_OPTION": InvalidOption,
    "ONNX_UNSUPPORTED_TENSOR_TYPE": UnsupportedTensorType,
    "ONNX_MODEL_FILE_NOT_FOUND": ModelFileNotFound,
    "ONNX_INVALID_MODEL": InvalidModel,
    "ONNX_UNSAFE_EXTERNAL_DATA": InvalidModel,
    "ONNX_MODEL_SOURCE_NOT_ALLOWED": ModelSourceNotAllowed,
    "ONNX_MODEL_SCHEME_NOT_ALLOWED": ModelSourceNotAllowed,
    "ONNX_INVALID_SETTING": InvalidSetting,
    "ONNX_INPUT_SHAPE_MISMATCH": InputShapeMismatch,
    "ONNX_NULL_IN_ARRAY": InvalidInputValue,
    "ONNX_VALUE_OUT_OF_RANGE": InvalidInputValue,
    "ONNX_RUNTIME_FAILURE": RuntimeFailure,
    "ONNX_EXECUTION_PROVIDER_UNAVAILABLE": RuntimeFailure,
    "ONNX_INVALID_IMAGE": InvalidInputValue,
    "ONNX_BATCH_AXIS_AMBIGUOUS": BatchContractMismatch,
    "ONNX_INPUT_NOT_CONSTANT": BatchContractMismatch,
    "ONNX_NO_ROW_INPUT": BatchContractMismatch,
    "ONNX_OUTPUT_NOT_PER_ROW": BatchContractMismatch,
    "ONNX_OUTPUT_SHAPE_MISMATCH": OutputShapeMismatch,
    "ONNX_OUTPUT_MIXES_ROWS": OutputShapeMismatch,
    "ONNX_FUNCTION_NAME_TAKEN": NameTaken,
    "ONNX_STAGE_MODEL_NOT_SET": StageModelNotSet,
    "ONNX_EXTENSION_NOT_ENABLED": ExtensionNotEnabled,
    "ONNX_NOT_A_TEXT_MODEL": InputMismatch,
    "ONNX_TEXT_INPUT_TYPE_MISMATCH": InputMismatch,
    "ONNX_INVALID_TOKENIZER": InvalidModel,
}


def extension_not_enabled() -> ExtensionNotEnabled:
    """ONNX_EXTENSION_NOT_ENABLED made on the Python side, for a Spark Connect server that lacks
    the extension (it cannot say so itself: to it, `onnx_model_info` is just an unknown
    function). The message is the JVM's, read from the bundled jar."""
    parameters = {"setting": "spark.sql.extensions", "extension": "sparkonnx.SparkOnnxExtensions"}
    return _python_side(ExtensionNotEnabled, "ONNX_EXTENSION_NOT_ENABLED", parameters)


def _python_side(
    cls: type[SparkOnnxError], condition: str, parameters: dict[str, str]
) -> SparkOnnxError:
    import json
    import zipfile

    from ._jars import bundled_jars

    with zipfile.ZipFile(bundled_jars()[0]) as jar:
        conditions = json.loads(jar.read("sparkonnx/error-conditions.json"))
    message = " ".join(conditions[condition]["message"])
    for key, value in parameters.items():
        message = message.replace(f"<{key}>", value)
    error = cls(
        message=f"[{condition}] {message}",
        errorClass=condition,
        messageParameters=parameters,
    )
    error._desc = error._message  # what getMessage() returns for JVM-made errors too
    return error


_typed_classes: dict[tuple[type, type], type] = {}


def _typed(condition: str | None, flavors: dict[type, type]) -> type | None:
    """The class to raise for `condition`: ours, mixed into PySpark's class for the session
    flavor (classic or Connect), so both `except` clauses catch it."""
    ours = CONDITIONS.get(condition or "")
    if ours is None:
        return None
    base = next(flavor for parent, flavor in flavors.items() if issubclass(ours, parent))
    key = (ours, base)
    if key not in _typed_classes:
        _typed_classes[key] = type(ours.__name__, (ours, base), {"__module__": __name__})
    return _typed_classes[key]


def _classic_flavors() -> dict[type, type]:
    from pyspark.errors.exceptions import captured

    return {
        AnalysisException: captured.AnalysisException,
        SparkRuntimeException: captured.SparkRuntimeException,
        IllegalArgumentException: captured.IllegalArgumentException,
    }


def _connect_flavors() -> dict[type, type]:
    from pyspark.errors.exceptions import connect

    return {
        AnalysisException: connect.AnalysisException,
        SparkRuntimeException: connect.SparkRuntimeException,
        IllegalArgumentException: connect.IllegalArgumentException,
    }


def _classic_converter(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(java_exception: Any) -> Any:
        from ._jvm import error_condition

        typed = _typed(error_condition(java_exception), _classic_flavors())
        if typed is not None:
            return typed(origin=java_exception)
        return original(java_exception)

    return convert


def _connect_converter(original: Callable[..., Any]) -> Callable[..., Any]:
    def convert(*args: Any, **kwargs: Any) -> Any:
        converted = original(*args, **kwargs)
        typed = _typed(getattr(converted, "_errorClass", None), _connect_flavors())
        if typed is None:
            return converted
        # Connect exceptions all share one constructor's state: carry it over as it is.
        exception = typed.__new__(typed)
        exception.__dict__.update(converted.__dict__)
        exception.args = converted.args
        return exception

    return convert


def _patch(module: Any, name: str, make: Callable[[Any], Any]) -> None:
    original = getattr(module, name)
    if getattr(original, "_spark_onnx", False):
        return
    converter = make(original)
    converter._spark_onnx = True
    setattr(module, name, converter)


# Spark Connect's client module: importing it costs about a second (grpc, pandas, pyarrow), too
# much for `import spark_onnx` (the command line checks its arguments before that long), so it is
# patched when something first imports it, or at once if it already is.
_CONNECT_CORE = "pyspark.sql.connect.client.core"


class _PatchConnectWhenImported(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _CONNECT_CORE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _patch(module, "convert_exception", _connect_converter)

        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    """Makes PySpark raise spark-onnx's typed exceptions. Idempotent."""
    from pyspark.errors.exceptions import captured

    _patch(captured, "convert_exception", _classic_converter)
    try:
        from pyspark.errors.exceptions import connect
    except ImportError:  # Spark Connect's client dependencies are not installed
        return
    _patch(connect, "convert_exception", _connect_converter)
    core = sys.modules.get(_CONNECT_CORE)
    if core is not None:
        _patch(core, "convert_exception", _connect_converter)
    elif not any(isinstance(f, _PatchConnectWhenImported) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchConnectWhenImported())
