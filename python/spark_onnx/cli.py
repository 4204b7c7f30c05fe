"""The `spark-onnx` command line: `spark-onnx --help`, `spark-onnx <command> --help`.

A command that fails prints one line on stderr and exits non-zero: 2 for a bad argument or
input file (found before Spark starts), 1 for a failure while running; `--debug` shows the
traceback instead."""

from __future__ import annotations

import argparse
import sys


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="spark-onnx", description="ONNX models on Spark.")
    main.add_argument("--debug", action="store_true", help="show the traceback of an error")
    # --debug after the command too; SUPPRESS keeps the subparser from resetting one given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback"
    )
    commands = main.add_subparsers(dest="command", required=True)

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], **kwargs)

    predict = command("predict", help="score a table or an image folder; write Parquet")
    predict.add_argument("--model", required=True, help="an .onnx file or a zoo model's name")
    predict.add_argument("--input", required=True, help="Parquet, CSV, or a folder of images")
    predict.add_argument("--output", required=True, help="where to write the Parquet result")
    predict.add_argument(
        "--columns",
        action="append",
        help="the columns feeding one model input: names and ranges, e.g. p0:p63 or a,b,c "
        "(several are packed into one array); repeat per input (default: the input names)",
    )
    predict.add_argument("--batch-size", type=int, help="rows per ONNX Runtime run")
    predict.add_argument("--format", choices=["parquet", "csv", "images"], help="default: guessed")
    predict.add_argument("--preset", help="image preprocessing preset (default: from the zoo card)")
    predict.add_argument(
        "--labels", help="class names, one a line (zoo classifiers have theirs): adds top_k"
    )
    predict.add_argument("--top-k", type=int, default=5, help="labels per row (default 5)")
    predict.add_argument("--show", type=int, default=5, help="rows whose labels to print")
    predict.add_argument(
        "--progress-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a progress line on stderr this often, from the first interval on (0: none)",
    )
    predict.add_argument("--master", default="local[2]", help="Spark master (default local[2])")

    inspect = command("inspect", help="a model's signature as a table")
    inspect.add_argument("model")

    convert = command("convert", help="Keras/SavedModel/sklearn/torch to ONNX")
    convert.add_argument("source", help=".keras/.h5, SavedModel folder, .pkl/.joblib, .pt")
    convert.add_argument("--to", required=True, help="the .onnx file to write")
    convert.add_argument("--sample", help="a .npy sample for the parity check (default: random)")
    convert.add_argument("--input-shape", help="torch only: one row's shape, e.g. 3,224,224")

    command("zoo", help="the shipped pretrained models")

    from .commands.jars import add_arguments as jars_arguments

    jars_arguments(command("jars", help="the jars, and a spark-sql line using them"))

    demo = command("demo", help="score the digits test set on local Spark")
    demo.add_argument(
        "--models-dir", help="folder holding digits.onnx (default: the sample the wheel ships)"
    )
    demo.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    demo.add_argument(
        "--transfer",
        action="store_true",
        help="also run the transfer-learning demo (zoo featurizer + LogisticRegression)",
    )
    demo.add_argument(
        "--text",
        action="store_true",
        help="run the text demo instead (MiniLM embeddings, semantic search in SQL, a trained head)",
    )
    demo.add_argument("--documents", type=int, default=600, help="paragraphs the text demo embeds")
    demo.add_argument("--out", default="demo-output", help="where the transfer demo writes its PNG")
    demo.add_argument("--images", type=int, default=600, help="digit images for the transfer demo")

    # Every argument after `bench` goes to benchmarks/run.py (--quick, --only, --out ...).
    commands.add_parser("bench", help="the benchmark suite (arguments go to it)", add_help=False)
    return main


def _run(args) -> int:
    if args.command == "demo" and args.text:
        from .text_demo import run as text_demo

        return text_demo(master=args.master, documents=args.documents)
    if args.command == "demo":
        from .demo import run_all

        return run_all(args)
    from importlib import import_module

    return import_module(f"spark_onnx.commands.{args.command}").run(args)


def one_line(error: BaseException) -> str:
    """The first line of an error's message, with its condition when it has one."""
    text = str(error).strip() or type(error).__name__
    first = text.splitlines()[0]
    if isinstance(error, (FileNotFoundError, KeyError, ValueError, OSError)):
        return first.strip("'\"")
    return first


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args, extra = cli.parse_known_args(argv)
    if args.command == "bench":
        args.bench_args = extra
    elif extra:
        cli.error(f"unrecognized arguments: {' '.join(extra)}")
    from .commands.usage import UsageError

    try:
        return _run(args)
    except UsageError as e:
        if args.debug:
            raise
        print(f"spark-onnx {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"spark-onnx {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if args.debug:
            raise
        print(
            f"spark-onnx {args.command}: {one_line(e)} (--debug shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
