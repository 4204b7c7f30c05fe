"""DataFrame functions. Each calls the SQL function by name (`call_function`), so the same code
works on classic and Spark Connect sessions."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column
from pyspark.sql.functions import call_function, col, create_map, lit

ColumnOrName = Column | str


def onnx_predict(
    model: str,
    *inputs: ColumnOrName,
    batch_size: int | None = None,
    outputs: Sequence[str] | None = None,
    whole_call: bool = False,
) -> Column:
    """Runs the registered ONNX model `model` on `inputs`, one column per model input.

    `batch_size` overrides `spark.onnx.batchSize` for this call; `outputs` fetches only the named
    outputs (ONNX Runtime then computes only what they need). An input may also be a literal
    (`lit(16000)`): inputs without a batch axis (a scalar, fixed dims) take one constant value
    for the whole run. `whole_call=True` makes each row one complete run: every input's argument
    is its full tensor (batch dims included) and each output comes back whole; any graph can be
    called this way (see docs/tensors.md).

    >>> df.select(onnx_predict("digits", "pixels").alias("probabilities"))
    """
    return _call("onnx_predict", model, inputs, batch_size, outputs, whole_call)


def try_onnx_predict(
    model: str,
    *inputs: ColumnOrName,
    batch_size: int | None = None,
    outputs: Sequence[str] | None = None,
    whole_call: bool = False,
) -> Column:
    """Like `onnx_predict`, but a row that cannot be scored gives null instead of an error."""
    return _call("try_onnx_predict", model, inputs, batch_size, outputs, whole_call)


def onnx_tokenize(model: str, text: ColumnOrName, max_length: int | None = None) -> Column:
    """`text` as the tokenizer of the text model `model` encodes it: a struct of `input_ids`,
    `attention_mask` and `token_type_ids` (special tokens included, truncated to the model's
    maximum length or `max_length`, never padded).

    >>> df.select(onnx_tokenize("minilm", "review").input_ids)
    """
    columns = [text if isinstance(text, Column) else col(text)]
    if max_length is not None:
        columns.append(create_map(lit("maxLength"), lit(str(max_length))))
    return call_function("onnx_tokenize", lit(model), *columns)


def _call(
    function: str,
    model: str,
    inputs: Sequence[ColumnOrName],
    batch_size: int | None,
    outputs: Sequence[str] | None,
    whole_call: bool,
) -> Column:
    columns = [c if isinstance(c, Column) else col(c) for c in inputs]
    options = {}
    if batch_size is not None:
        options["batchSize"] = str(batch_size)
    if outputs:
        options["outputs"] = ",".join(outputs)
    if whole_call:
        options["wholeCall"] = "true"
    if options:
        columns.append(create_map(*[lit(x) for kv in sorted(options.items()) for x in kv]))
    return call_function(function, lit(model), *columns)
