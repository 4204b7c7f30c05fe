"""spark-onnx: ONNX models as native Spark SQL functions.

>>> import spark_onnx
>>> spark = spark_onnx.session()
>>> spark_onnx.register(spark, "digits", "models/digits.onnx")
>>> spark.sql("SELECT onnx_predict('digits', pixels) FROM images")
"""

from . import functions
from ._jars import MissingJarError, bundled_jars
from .config import configure, session
from .registry import register, registered, unregister

__version__ = "0.1.0"

__all__ = [
    "MissingJarError",
    "bundled_jars",
    "configure",
    "functions",
    "register",
    "registered",
    "session",
    "unregister",
]
