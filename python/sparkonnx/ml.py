"""PySpark finds `sparkonnx.ml.OnnxTransformer` here when loading a saved pipeline."""

from spark_onnx.ml import OnnxTransformer
from spark_onnx.ml_images import ImageFeaturizer, ImagePredictor
from spark_onnx.ml_text import TextEmbedder

__all__ = ["ImageFeaturizer", "ImagePredictor", "OnnxTransformer", "TextEmbedder"]
