"""Builds the small models spark-onnx ships and tests with: `python models/build_models.py`.

Each model is trained from data a PyPI package ships and written next to this script; the
committed files are what CI and the demo use, so nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import digits

BUILDERS = {"digits": digits.build}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "models", nargs="*", help=f"models to build (default: all of {list(BUILDERS)})"
    )
    parser.add_argument("--if-missing", action="store_true", help="skip models already built")
    args = parser.parse_args(argv)
    unknown = set(args.models) - set(BUILDERS)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; known: {sorted(BUILDERS)}")
    for name in args.models or BUILDERS:
        if args.if_missing and (HERE / f"{name}.onnx").exists():
            continue
        BUILDERS[name](HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
