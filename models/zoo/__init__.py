"""spark-onnx-zoo: the pretrained models spark-onnx's `spark_onnx.zoo` serves, as package data.

The model files sit beside this module; `spark_onnx.zoo` finds them through `FOLDER`.
"""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent

__version__ = "0.1.0"
