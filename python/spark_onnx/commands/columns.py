"""`--columns`: which table columns feed which model input, checked against the file's header
or Parquet schema before Spark starts.

One `--columns` value per model input (repeat the option for several inputs); a value is a
comma list of names and ranges. A range `p0:p63` is p0, p1, ..., p63 when both ends are one
prefix and a number, otherwise every column from the first to the last in the file's order.
Several columns for one input are packed into one numeric array, in the order given."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .usage import UsageError

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def table_columns(path: str, fmt: str) -> tuple[list[str], dict[str, str]]:
    """The column names of a CSV header or Parquet schema, and the type of each as far as a
    quick look tells ("numeric" or something else), without Spark."""
    if fmt == "csv":
        return _csv_columns(Path(path))
    return _parquet_columns(Path(path))


def _csv_columns(path: Path) -> tuple[list[str], dict[str, str]]:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise UsageError(f"{path} is empty: a CSV needs a header line naming its columns")
        sample = [row for _, row in zip(range(100), reader)]
    kinds = {}
    for i, name in enumerate(header):
        values = [row[i] for row in sample if i < len(row) and row[i] != ""]
        kinds[name] = "numeric" if all(_is_number(v) for v in values) else "text"
    return header, kinds


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _parquet_columns(path: Path) -> tuple[list[str], dict[str, str]]:
    import pyarrow.parquet as pq
    import pyarrow.types as pt

    files = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    if not files:
        raise UsageError(f"{path} holds no .parquet file")
    try:
        schema = pq.read_schema(files[0])
    except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
        raise UsageError(f"{files[0]} is not a readable Parquet file ({e})") from None
    kinds = {
        field.name: "numeric"
        if pt.is_integer(field.type) or pt.is_floating(field.type)
        else str(field.type)
        for field in schema
    }
    return list(schema.names), kinds


def parse(specs: list[str], available: list[str]) -> list[list[str]]:
    """One list of column names per `--columns` value, each name checked to exist."""
    groups = []
    for spec in specs:
        names: list[str] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                raise UsageError(
                    f"--columns {spec!r}: an empty name (two commas, or a trailing one)"
                )
            names += _expand(item, available) if ":" in item else [item]
        missing = [n for n in names if n not in available]
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise UsageError(
                f"--columns {spec!r}: no column {shown} in the input "
                f"(its columns: {_preview(available)})"
            )
        groups.append(names)
    return groups


def _expand(item: str, available: list[str]) -> list[str]:
    first, _, last = item.partition(":")
    if not first or not last or ":" in last:
        raise UsageError(f"--columns: {item!r} is not a range (write first:last, e.g. p0:p63)")
    a, b = _NUMBERED.match(first), _NUMBERED.match(last)
    if a and b and a.group(1) == b.group(1):
        start, stop = int(a.group(2)), int(b.group(2))
        step = 1 if stop >= start else -1
        return [f"{a.group(1)}{i}" for i in range(start, stop + step, step)]
    for end in (first, last):
        if end not in available:
            raise UsageError(
                f"--columns: range {item!r} starts or ends at {end!r}, which is no column "
                f"(its columns: {_preview(available)})"
            )
    i, j = available.index(first), available.index(last)
    return available[i : j + 1] if i <= j else available[j : i + 1][::-1]


def _preview(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")


def check_numeric(groups: list[list[str]], kinds: dict[str, str]) -> None:
    """Columns packed into one array must be numbers."""
    for names in groups:
        if len(names) < 2:
            continue
        wrong = [n for n in names if kinds.get(n) != "numeric"]
        if wrong:
            raise UsageError(
                f"--columns: {wrong[0]!r} is not numeric ({kinds.get(wrong[0])}); only numeric "
                "columns can be packed into one input array"
            )
