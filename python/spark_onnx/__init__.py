"""spark-onnx: ONNX models as native Spark SQL functions.

>>> import spark_onnx
>>> spark = spark_onnx.session()
>>> spark_onnx.register(spark, "digits", spark_onnx.samples.digits())
>>> spark.sql("SELECT onnx_predict('digits', pixels) FROM images")
"""

from . import errors, functions, samples, zoo
from ._jars import MissingJarError, bundled_jars
from .config import configure, session
from .convert import ParityError, from_keras, from_sklearn, from_tensorflow, from_torch
from .model import ModelInfo, OnnxModel, TensorInfo, load
from .registry import describe, register, registered, unregister

errors.install()

__version__ = "0.1.0"

__all__ = [
    "MissingJarError",
    "ModelInfo",
    "OnnxModel",
    "ParityError",
    "TensorInfo",
    "bundled_jars",
    "configure",
    "describe",
    "errors",
    "from_keras",
    "from_sklearn",
    "from_tensorflow",
    "from_torch",
    "functions",
    "load",
    "register",
    "registered",
    "samples",
    "session",
    "unregister",
    "zoo",
]
