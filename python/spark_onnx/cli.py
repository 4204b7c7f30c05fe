"""The `spark-onnx` command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spark-onnx", description="ONNX models on Spark.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="score the digits test set on local Spark")
    demo.add_argument("--models-dir", default="models", help="folder holding digits.onnx")
    demo.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run(models_dir=args.models_dir, master=args.master)
    return 2


if __name__ == "__main__":
    sys.exit(main())
