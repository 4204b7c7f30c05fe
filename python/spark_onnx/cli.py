"""The `spark-onnx` command line: `spark-onnx --help`, `spark-onnx <command> --help`."""

from __future__ import annotations

import argparse
import sys


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="spark-onnx", description="ONNX models on Spark.")
    commands = main.add_subparsers(dest="command", required=True)

    predict = commands.add_parser("predict", help="score a table or an image folder; write Parquet")
    predict.add_argument("--model", required=True, help="the .onnx model")
    predict.add_argument("--input", required=True, help="Parquet, CSV, or a folder of images")
    predict.add_argument("--output", required=True, help="where to write the Parquet result")
    predict.add_argument("--columns", help="input columns, comma-separated (default: input names)")
    predict.add_argument("--batch-size", type=int, help="rows per ONNX Runtime run")
    predict.add_argument("--format", choices=["parquet", "csv", "images"], help="default: guessed")
    predict.add_argument("--preset", help="image preprocessing preset (default: from the zoo card)")
    predict.add_argument("--master", default="local[2]", help="Spark master (default local[2])")

    inspect = commands.add_parser("inspect", help="a model's signature as a table")
    inspect.add_argument("model")

    convert = commands.add_parser("convert", help="Keras/SavedModel/sklearn/torch to ONNX")
    convert.add_argument("source", help=".keras/.h5, SavedModel folder, .pkl/.joblib, .pt")
    convert.add_argument("--to", required=True, help="the .onnx file to write")
    convert.add_argument("--sample", help="a .npy sample for the parity check (default: random)")
    convert.add_argument("--input-shape", help="torch only: one row's shape, e.g. 3,224,224")

    commands.add_parser("zoo", help="the shipped pretrained models")

    demo = commands.add_parser("demo", help="score the digits test set on local Spark")
    demo.add_argument("--models-dir", default="models", help="folder holding digits.onnx")
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


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args, extra = cli.parse_known_args(argv)
    if args.command == "bench":
        args.bench_args = extra
    elif extra:
        cli.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "demo" and args.text:
        from .text_demo import run as text_demo

        return text_demo(master=args.master, documents=args.documents)
    if args.command == "demo":
        from .demo import run

        status = run(models_dir=args.models_dir, master=args.master)
        if status == 0 and args.transfer:
            from .transfer_demo import run as transfer

            status = transfer(master=args.master, out=args.out, images=args.images)
        return status
    from importlib import import_module

    return import_module(f"spark_onnx.commands.{args.command}").run(args)


if __name__ == "__main__":
    sys.exit(main())
