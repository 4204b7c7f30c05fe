"""`spark-onnx jars`: the bundled jars, and a spark-sql line that enables spark-onnx with them.

`spark-onnx jars --options` prints only the options, for `spark-sql $(spark-onnx jars --options)`.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from spark_onnx import _jars


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--options",
        action="store_true",
        help="print only the spark-submit options (--jars ... --conf ...), for $(...)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        print(shlex.join(_jars.submit_options()) if args.options else _jars.report())
    except _jars.MissingJarError as missing:
        print(f"spark-onnx jars: {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    command = argparse.ArgumentParser(prog="spark-onnx jars", description=__doc__)
    add_arguments(command)
    sys.exit(run(command.parse_args()))
