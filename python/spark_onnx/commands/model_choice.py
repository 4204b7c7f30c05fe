"""`--model` and `--labels`: a model file or a zoo name, its zoo card, its class labels, all
checked before Spark starts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .usage import UsageError


@dataclass(frozen=True)
class ChosenModel:
    path: Path
    card: dict | None  # the zoo card when the file is a zoo network
    labels: list[str] | None  # class names, index = output position


def _zoo_models() -> dict:
    try:
        from spark_onnx import zoo

        return zoo.models()
    except (ImportError, OSError, ValueError, KeyError):  # no zoo: only files can be named
        return {}


def _card_beside(path: Path) -> dict | None:
    for card_file in sorted(path.resolve().parent.glob("*.json")):
        try:
            card = json.loads(card_file.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(card, dict):
            continue
        files = {card.get(k, {}).get("file") for k in ("classifier", "features")}
        if path.name in files:
            return {**card, "_folder": str(card_file.parent)}
    return None


def choose(model: str, labels: str | None) -> ChosenModel:
    path = Path(model)
    if path.is_dir():
        raise UsageError(f"--model {model}: a folder, not an .onnx file")
    if not path.is_file():
        zoo = _zoo_models()
        names = {**{n: m.classifier for n, m in zoo.items()}}
        names.update({f"{n}_features": m.features for n, m in zoo.items()})
        if model.lower() not in names:
            known = f"zoo models: {', '.join(sorted(names))}" if names else "no zoo is installed"
            raise UsageError(
                f"--model {model}: no such file, and no zoo model of that name ({known})"
            )
        path = Path(names[model.lower()])
    card = _card_beside(path)
    return ChosenModel(path, card, _labels(path, card, labels))


def _labels(path: Path, card: dict | None, given: str | None) -> list[str] | None:
    if given:
        file = Path(given)
        if not file.is_file():
            raise UsageError(f"--labels {given}: no such file")
        return [line.strip() for line in file.read_text().splitlines() if line.strip()]
    if card and card.get("classifier", {}).get("file") == path.name and "labels_file" in card:
        return (Path(card["_folder"]) / card["labels_file"]).read_text().splitlines()
    return None


def check_labels(labels: list[str] | None, outputs) -> None:
    """Labels name the classes of a single [N, classes] output, one label per class."""
    if labels is None:
        return
    if len(outputs) != 1 or len(outputs[0].shape) != 2:
        shapes = ", ".join(str(o) for o in outputs)
        raise UsageError(f"--labels: the model's output is not one score vector per row ({shapes})")
    classes = outputs[0].shape[1]
    if classes > 0 and classes != len(labels):
        raise UsageError(
            f"--labels: {len(labels)} labels for an output of {classes} classes ({outputs[0]})"
        )
