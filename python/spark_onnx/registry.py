"""Registering ONNX models with a SparkSession so SQL can call them by name."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Union

from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from . import _jvm, errors
from .config import MODEL_CONF_PREFIX, RESERVED_MODEL_NAMES, TEXT_CONF_PREFIX, model_location
from .model import ModelInfo, OnnxModel

ModelSource = Union[str, "os.PathLike[str]", bytes, OnnxModel]


def register(
    spark: SparkSession,
    name: str,
    model: ModelSource,
    *,
    batch_size: int | None = None,
    outputs: Sequence[str] | None = None,
    whole_call: bool = False,
    as_function: bool = False,
    replace: bool = False,
    tokenizer: str | os.PathLike[str] | None = None,
    pooling: str | None = None,
    normalize: bool | None = None,
    max_length: int | None = None,
    sort_by_length: bool | None = None,
) -> None:
    """Registers `model` (a path or URI, the model's bytes, or an `OnnxModel`) as `name`.

    The model is read and checked on the driver now: a missing or invalid file raises
    `spark_onnx.errors.ModelFileNotFound` or `InvalidModel`. `batch_size`, `outputs` and
    `whole_call` (each row one complete run: docs/tensors.md) become the defaults of every
    call of the model (a call's own options override them);
    `as_function=True` also adds a SQL function named like the model, so `digits(pixels)`
    means `onnx_predict('digits', pixels)` in this session. Registering the same model again
    is harmless; a different model under a taken name raises `ModelAlreadyRegistered` unless
    `replace=True`. Names are case-insensitive, as Spark's function names are: `Digits` and
    `digits` are one name. A model with external data must be given as a path.

    A text model (an encoder exported to ONNX) is registered with its `tokenizer` (a Hugging
    Face tokenizer.json): its calls then take one STRING column, tokenized in the JVM.
    `pooling` (`"mean"`, `"cls"` or `"none"`) turns a per-token output into one vector per text,
    `normalize=True` divides it by its L2 norm, `max_length` truncates longer texts (default
    512 tokens) and `sort_by_length` (default True) batches texts of similar length together
    (docs/text.md).

    >>> spark_onnx.register(spark, "minilm", "minilm.onnx", tokenizer="tokenizer.json",
    ...                     pooling="mean", normalize=True, max_length=256)
    >>> spark.sql("SELECT onnx_predict('minilm', review) FROM reviews")

    On a Spark Connect session the path is registered through the session configuration and
    read and checked by the server at once; it must be readable by the server, under one of the
    roots whoever started it allowed (`spark.onnx.model.allowedRoots`; else
    `ModelSourceNotAllowed`, docs/security.md); the keyword options need a classic session.
    A session started without the extension raises `ExtensionNotEnabled`.

    >>> spark_onnx.register(spark, "digits", "models/digits.onnx", as_function=True)
    >>> spark.sql("SELECT digits(pixels) FROM images")
    """
    options = {}
    if batch_size is not None:
        options["batchSize"] = str(batch_size)
    if outputs:
        options["outputs"] = ",".join(outputs)
    if whole_call:
        options["wholeCall"] = "true"
    text = _text_options(tokenizer, pooling, normalize, max_length, sort_by_length)
    if isinstance(model, OnnxModel):
        model = model.bytes
    if not _jvm.is_classic(spark):
        if isinstance(model, (bytes, bytearray)) or options or as_function:
            raise TypeError(
                f"Registering model {name!r} from bytes, with options or as a function needs a "
                "classic session; on Spark Connect, register a path the server can read."
            )
        # A text model's tokenizer and options are settings of their own
        # (spark.onnx.text.<name>.*), set before the server reads and checks the model.
        for key in [k for k in spark.conf.getAll if k.startswith(f"{TEXT_CONF_PREFIX}{name}.")]:
            spark.conf.unset(key)
        for key, value in text.items():
            spark.conf.set(f"{TEXT_CONF_PREFIX}{name}.{key}", value)
        _register_on_connect(spark, name, model_location(model))
        return
    options.update(text)
    if isinstance(model, (bytes, bytearray)):
        _jvm.register_bytes(spark, name, bytes(model), options, replace)
    else:
        _jvm.register_path(spark, name, model_location(model), options, replace)
    if as_function:
        _jvm.register_function(spark, name)


def _register_on_connect(spark: SparkSession, name: str, location: str) -> None:
    """Sets `spark.onnx.model.<name>`, then has the server read and check the model at once, so
    a bad path fails here, not at the first query; a model that fails leaves the setting as it
    was."""
    key = MODEL_CONF_PREFIX + name
    previous = spark.conf.get(key, None)
    spark.conf.set(key, location)
    try:
        describe(spark, name)
    except AnalysisException as error:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)
        if error.getCondition() == "UNRESOLVED_ROUTINE":
            raise errors.extension_not_enabled() from None
        raise


def _text_options(
    tokenizer: str | os.PathLike[str] | None,
    pooling: str | None,
    normalize: bool | None,
    max_length: int | None,
    sort_by_length: bool | None,
) -> dict[str, str]:
    """A text model's registration options, as the JVM names them."""
    given = {
        "pooling": pooling,
        "normalize": normalize,
        "maxLength": max_length,
        "sortByLength": sort_by_length,
    }
    if tokenizer is None:
        named = [key for key, value in given.items() if value is not None]
        if named:
            raise TypeError(f"{', '.join(named)} describe a text model: pass its tokenizer too")
        return {}
    options = {"tokenizer": model_location(tokenizer)}
    for key, value in given.items():
        if value is not None:
            options[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return options


def unregister(spark: SparkSession, name: str) -> bool:
    """Forgets `name`; True if it was registered."""
    if _jvm.is_classic(spark):
        return _jvm.unregister(spark, name)
    key = MODEL_CONF_PREFIX + name
    for text_key in [k for k in spark.conf.getAll if k.startswith(f"{TEXT_CONF_PREFIX}{name}.")]:
        spark.conf.unset(text_key)
    present = spark.conf.get(key, None) is not None
    if present:
        spark.conf.unset(key)
    return present


def registered(spark: SparkSession) -> dict[str, ModelInfo]:
    """The models `spark` can call, registered and configured ones, with their signatures."""
    names = _names(spark)
    if not names:
        return {}
    # Every signature in one query: a query per model made this cost a Spark job per model.
    columns = ", ".join(f"onnx_model_info(:m{i}) AS m{i}" for i in range(len(names)))
    row = spark.sql(f"SELECT {columns}", args={f"m{i}": n for i, n in enumerate(names)}).first()
    return {name: ModelInfo.from_json(row[i]) for i, name in enumerate(names)}


def describe(spark: SparkSession, name: str) -> ModelInfo:
    """The signature of the model registered as `name`, as the JVM read it."""
    row = spark.sql("SELECT onnx_model_info(:name) AS info", args={"name": name}).first()
    return ModelInfo.from_json(row.info)


def _names(spark: SparkSession) -> list[str]:
    if _jvm.is_classic(spark):
        return _jvm.registered(spark)
    configured = (
        key[len(MODEL_CONF_PREFIX) :]
        for key in spark.conf.getAll
        if key.startswith(MODEL_CONF_PREFIX)
    )
    return sorted(name for name in configured if name not in RESERVED_MODEL_NAMES)
