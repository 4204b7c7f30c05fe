"""The row <-> tensor contract's models (issue 12): one tiny graph per rule, built with
onnx.helper (opset 17, IR 9, onnx.checker) into a test's temp folder. The graphs are those of
models/build_test_models.py, which also writes the Scala suites' copies.

`ContractModels` builds and registers them lazily, one at a time, as `c_<name>`: a model the
engine cannot register yet fails only the tests that use it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
from build_test_models import PYTHON_CONTRACT_BUILDERS

import spark_onnx
from model_factory import save


def build(name: str, folder: Path) -> Path:
    return save(PYTHON_CONTRACT_BUILDERS[name](), folder / f"{name}.onnx")


class ContractModels:
    """Builds a model on first use, registers it as `c_<name>`, and runs it directly."""

    def __init__(self, spark, folder: Path):
        self.spark, self.folder = spark, folder
        self.paths: dict[str, Path] = {}
        self.sessions: dict[str, ort.InferenceSession] = {}

    def use(self, name: str) -> str:
        if name not in self.paths:
            path = build(name, self.folder)
            spark_onnx.register(self.spark, f"c_{name}", path, replace=True)
            self.paths[name] = path
        return f"c_{name}"

    def session(self, name: str) -> ort.InferenceSession:
        if name not in self.sessions:
            path = self.paths.get(name) or build(name, self.folder)
            self.sessions[name] = ort.InferenceSession(
                str(path), providers=["CPUExecutionProvider"]
            )
        return self.sessions[name]

    def run(self, name: str, feeds: dict) -> dict:
        """ONNX Runtime directly: output name -> value."""
        session = self.session(name)
        names = [o.name for o in session.get_outputs()]
        return dict(zip(names, session.run(names, feeds)))


def assert_same(actual, expected: dict) -> None:
    """A Spark result (a value, or a Row of one field per output) against ORT's outputs."""
    assert actual is not None, f"null result, expected {expected}"
    values = {next(iter(expected)): actual} if len(expected) == 1 else actual.asDict()
    assert set(values) == set(expected), (set(values), set(expected))
    for name, want in expected.items():
        want = np.asarray(want)
        got = np.asarray(values[name], dtype=np.float64 if want.dtype != bool else bool)
        assert got.shape == want.shape, f"{name}: shape {got.shape}, ORT {want.shape}"
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-5, atol=1e-6)
