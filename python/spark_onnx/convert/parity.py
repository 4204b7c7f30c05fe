"""Numeric parity between a framework and ONNX Runtime on a sample: every converter runs it
before returning, so a converted model is known to compute what the original computed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model import OnnxModel


@dataclass(frozen=True)
class Parity:
    """The largest differences seen between the original model and ONNX Runtime."""

    max_abs_error: float
    max_rel_error: float
    label_agreement: float | None
    rows: int

    def __str__(self) -> str:
        labels = (
            "" if self.label_agreement is None else f", labels agree {self.label_agreement:.1%}"
        )
        return (
            f"max |diff| {self.max_abs_error:.2e}, max rel {self.max_rel_error:.2e} "
            f"on {self.rows} rows{labels}"
        )


class ParityError(ValueError):
    """The converted model does not compute what the original computed."""

    def __init__(self, framework: str, parity: Parity, atol: float, rtol: float) -> None:
        super().__init__(
            f"the ONNX conversion of the {framework} model does not match the original: "
            f"{parity} (tolerance atol={atol:g}, rtol={rtol:g})"
        )
        self.parity = parity


def check(
    model: OnnxModel,
    framework: str,
    feeds: Mapping[str, np.ndarray],
    expected: Sequence[np.ndarray],
    *,
    atol: float,
    rtol: float,
    labels: tuple[int, np.ndarray] | None = None,
) -> Parity:
    """Runs `model` on `feeds` in ONNX Runtime and compares its outputs with `expected`, in
    output order. `labels` (output index, expected labels) compares class labels exactly.
    Raises `ParityError` beyond the tolerances; returns the measured parity otherwise."""
    import onnxruntime as ort

    session = ort.InferenceSession(model.bytes, providers=["CPUExecutionProvider"])
    actual = session.run(None, dict(feeds))
    worst_abs, worst_rel, within = 0.0, 0.0, True
    for index, want in enumerate(expected):
        if want is None or (labels is not None and index == labels[0]):
            continue
        got = np.asarray(actual[index], dtype=np.float64).reshape(np.shape(want))
        want = np.asarray(want, dtype=np.float64)
        diff = np.abs(got - want)
        worst_abs = max(worst_abs, float(diff.max(initial=0.0)))
        worst_rel = max(worst_rel, float((diff / np.maximum(np.abs(want), 1e-12)).max(initial=0.0)))
        within = within and bool(np.all(diff <= atol + rtol * np.abs(want)))
    agreement = None
    if labels is not None:
        agreement = float(np.mean(np.asarray(actual[labels[0]]).ravel() == np.ravel(labels[1])))
    rows = len(next(iter(feeds.values())))
    parity = Parity(worst_abs, worst_rel, agreement, rows)
    if (
        not np.isclose(worst_abs, 0.0, atol=atol)
        and worst_rel > rtol
        or (agreement is not None and agreement < 1.0)
    ):
        raise ParityError(framework, parity, atol, rtol)
    return parity
