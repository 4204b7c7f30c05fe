"""The `spark-onnx` subcommands, one module each; `spark_onnx.cli` wires them to argparse."""
