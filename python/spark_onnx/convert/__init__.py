"""Converters to ONNX. Each imports its framework only when called, and checks numeric parity
on a sample before it returns (the result's `.parity` says how close it came)."""

from .keras import from_keras, from_tensorflow
from .parity import Parity, ParityError
from .sklearn import from_sklearn
from .torch import from_torch

__all__ = ["Parity", "ParityError", "from_keras", "from_sklearn", "from_tensorflow", "from_torch"]
