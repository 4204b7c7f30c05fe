"""PySpark finds `sparkonnx.ml.OnnxTransformer` here when loading a saved pipeline."""

from spark_onnx.ml import OnnxTransformer

__all__ = ["OnnxTransformer"]
