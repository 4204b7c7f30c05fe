"""The Python contenders: what PySpark users write today to run an ONNX model.

(c) `pyspark.ml.functions.predict_batch_udf` around an onnxruntime session, and (d) a plain
iterator-of-Series pandas UDF with a session cached per Python worker. Both run one intra-op
thread per session, since Spark runs two tasks (two workers) at once on local[2].

Functions here are pickled by reference: the Python workers import this module, so the
benchmark puts the repository on PYTHONPATH (run.py does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from pyspark.ml.functions import predict_batch_udf
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf
from pyspark.sql.types import DataType

# Per-worker cache: a reused Python worker keeps its sessions across tasks and runs.
_SESSIONS: dict[tuple[str, int], object] = {}

Outputs = list[np.ndarray]


def ort_session(model_path: str, threads: int = 1):
    """One onnxruntime session per (model, threads) in this process."""
    key = (model_path, threads)
    if key not in _SESSIONS:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        _SESSIONS[key] = ort.InferenceSession(
            model_path, options, providers=["CPUExecutionProvider"]
        )
    return _SESSIONS[key]


def run_model(model_path: str, batch: np.ndarray, threads: int = 1) -> Outputs:
    session = ort_session(model_path, threads)
    return session.run(None, {session.get_inputs()[0].name: batch})


def batch_udf_column(
    column: str,
    model_path: str,
    return_type: DataType,
    batch_size: int,
    input_shape: list[int] | None,
    finish: Callable[[Outputs], object],
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Column:
    """(c): predict_batch_udf; `prepare` turns the batch (e.g. JPEG bytes) into the model's
    input, `finish` turns the model's outputs into what `return_type` expects."""

    def make_predict_fn() -> Callable[[np.ndarray], object]:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name

        def predict(inputs: np.ndarray) -> object:
            batch = prepare(inputs) if prepare else inputs.astype(np.float32, copy=False)
            return finish(session.run(None, {input_name: batch}))

        return predict

    udf = predict_batch_udf(
        make_predict_fn,
        return_type=return_type,
        batch_size=batch_size,
        input_tensor_shapes=[input_shape] if input_shape else None,
    )
    return udf(column)


def pandas_udf_column(
    column: str,
    model_path: str,
    return_type: DataType,
    to_input: Callable[[pd.Series], np.ndarray],
    finish: Callable[[Outputs], pd.Series | pd.DataFrame],
) -> Column:
    """(d): an iterator-of-Series pandas UDF; one Arrow batch is one model run."""

    # The hint picks the iterator-of-Series form; a struct return type yields DataFrames.
    def predict(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for series in batches:
            yield finish(run_model(model_path, to_input(series)))

    return pandas_udf(predict, return_type)(column)


# --- conversions shared by several scenarios ---------------------------------------------------


def stack_floats(shape: tuple[int, ...]) -> Callable[[pd.Series], np.ndarray]:
    """A Series of float arrays -> one contiguous float32 tensor [N, *shape]."""

    def to_input(series: pd.Series) -> np.ndarray:
        return np.stack(series.to_numpy()).astype(np.float32, copy=False).reshape(-1, *shape)

    return to_input


def first_output(outputs: Outputs) -> np.ndarray:
    return outputs[0]


def first_output_series(outputs: Outputs) -> pd.Series:
    return pd.Series(list(outputs[0]))
