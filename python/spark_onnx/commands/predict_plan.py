"""Everything `spark-onnx predict` can check before Spark starts (about 20 s on a laptop): the
model (a file or a zoo name) and its signature, the input and its format, which columns feed
which model input, the labels. Each problem is a `UsageError` naming the argument."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import columns as column_specs
from .model_choice import ChosenModel, check_labels, choose
from .usage import UsageError

IMAGE_SUFFIXES = ("jpg", "jpeg", "png", "bmp", "gif")
IMAGE_GLOB = "*.{" + ",".join(s for x in IMAGE_SUFFIXES for s in (x, x.upper())) + "}"

# The SQL type each packed column is cast to, by the model input's element type.
_SQL_ELEMENT = {
    "float": "FLOAT",
    "float16": "FLOAT",
    "bfloat16": "FLOAT",
    "double": "DOUBLE",
    "int64": "BIGINT",
    "int32": "INT",
    "int16": "SMALLINT",
    "int8": "TINYINT",
    "uint8": "INT",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class PredictPlan:
    model: ChosenModel
    input: str
    format: str
    feeds: list[str]  # one SQL expression per model input (a column, or an array of columns)
    preset: str | None  # images only
    image_files: int | None  # images only
    outputs: tuple


def detect_format(path: Path) -> str:
    if path.suffix.lower() == ".csv":
        return "csv"
    if path.is_dir() and not any(path.rglob("*.parquet")) and not (path / "_SUCCESS").exists():
        return "images"
    return "parquet"


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def plan(args) -> PredictPlan:
    chosen = choose(args.model, args.labels)
    source = Path(args.input)
    if not source.exists():
        raise UsageError(f"--input {args.input}: no such file or folder")
    target = Path(args.output).resolve()
    if target == source.resolve() or source.resolve() in target.parents:
        # Spark's overwrite deletes the output before it reads the input.
        raise UsageError(f"--output {args.output}: would overwrite the input {args.input}")
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError(f"--batch-size {args.batch_size}: must be at least 1")
    if args.top_k < 1:
        raise UsageError(f"--top-k {args.top_k}: must be at least 1")
    fmt = args.format or detect_format(source)
    if fmt == "images" and not source.is_dir():
        raise UsageError(f"--input {args.input}: images are read from a folder")
    if fmt == "csv" and not source.is_file():
        raise UsageError(f"--input {args.input}: a CSV input is one file")
    if fmt == "images" and args.columns:
        raise UsageError("--columns: an image folder has no columns to choose")

    header: tuple[list[str], dict[str, str]] | None = None
    groups = None
    if fmt != "images":
        header = column_specs.table_columns(args.input, fmt)
        if args.columns:
            groups = column_specs.parse(args.columns, header[0])

    import spark_onnx  # after the cheap checks: reading the model's signature needs onnx

    try:
        model = spark_onnx.load(chosen.path)
    except (ValueError, OSError) as e:
        raise UsageError(f"--model {args.model}: {e}") from None
    check_labels(chosen.labels, model.outputs)

    if fmt == "images":
        if len(model.inputs) != 1:
            raise UsageError(
                f"--model {args.model}: an image model takes one input; this one takes "
                f"{len(model.inputs)} ({', '.join(str(i) for i in model.inputs)})"
            )
        files = [p for p in source.iterdir() if p.suffix.lower().lstrip(".") in IMAGE_SUFFIXES]
        preset = args.preset or (chosen.card or {}).get("name") or "imagenet"
        feed = f"onnx_image_tensor(content, '{preset}')"
        return PredictPlan(chosen, args.input, fmt, [feed], preset, len(files), model.outputs)

    names, kinds = header
    if groups is None:
        groups = [[i.name] for i in model.inputs]
        missing = [g[0] for g in groups if g[0] not in names]
        if missing:
            raise UsageError(
                f"no column {', '.join(missing)} in {args.input}: name the columns that feed the "
                f"model's inputs ({', '.join(str(i) for i in model.inputs)}) with --columns, "
                "e.g. --columns p0:p63"
            )
    if len(groups) == 1 and len(model.inputs) > 1 and len(groups[0]) == len(model.inputs):
        groups = [[name] for name in groups[0]]  # a comma list: one column per input
    if len(groups) != len(model.inputs):
        raise UsageError(
            f"--columns: {len(groups)} column group(s) for {len(model.inputs)} model input(s) "
            f"({', '.join(str(i) for i in model.inputs)}); give one --columns per input"
        )
    column_specs.check_numeric(groups, kinds)
    feeds = [_feed(group, tensor) for group, tensor in zip(groups, model.inputs)]
    return PredictPlan(chosen, args.input, fmt, feeds, None, None, model.outputs)


def _feed(group: list[str], tensor) -> str:
    if len(group) == 1:
        return quote(group[0])
    row_dims = tensor.shape[1:]
    if row_dims and all(d > 0 for d in row_dims):
        size = 1
        for d in row_dims:
            size *= d
        if size != len(group):
            raise UsageError(
                f"--columns: {len(group)} columns for input {tensor}, which takes {size} values "
                "per row"
            )
    element = _SQL_ELEMENT.get(tensor.element_type, "DOUBLE")
    return "array(" + ", ".join(f"CAST({quote(c)} AS {element})" for c in group) + ")"
