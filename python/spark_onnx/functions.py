"""DataFrame functions. Each calls the SQL function by name (`call_function`), so the same code
works on classic and Spark Connect sessions."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql.functions import call_function, col, lit

ColumnOrName = Column | str


def onnx_predict(model: str, *inputs: ColumnOrName) -> Column:
    """Runs the registered ONNX model `model` on `inputs`, one column per model input.

    >>> df.select(onnx_predict("digits", "pixels").alias("probabilities"))
    """
    columns = [c if isinstance(c, Column) else col(c) for c in inputs]
    return call_function("onnx_predict", lit(model), *columns)
