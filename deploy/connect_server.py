"""bin/connect-server up|down|status: a Spark Connect server with spark-onnx on
sc://127.0.0.1:15002 (--port), in local mode or on a cluster (--master spark://127.0.0.1:7077).

The models are registered by configuration (`spark.onnx.model.<name>`): the shipped digits
model and the zoo by default, more with --model name=path. `up` returns once a Connect client
(this process: no JVM of its own) scores a row through the server."""

from __future__ import annotations

import sys

import servers

NAME = "connect-server"
CONNECT_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"

READY_QUERY = "SELECT size(onnx_predict('digits', array_repeat(CAST(0 AS FLOAT), 64))) AS n"


def answers(port: int) -> bool:
    """Whether a thin client gets a scored row back (the gRPC port alone opens earlier)."""
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession

    try:
        spark = SparkSession.builder.remote(f"sc://127.0.0.1:{port}").create()
        try:
            return spark.sql(READY_QUERY).first().n == 10
        finally:
            spark.stop()
    except (PySparkException, OSError):
        return False


def main(argv: list[str] | None = None) -> None:
    parser = servers.options("bin/connect-server", __doc__.split("\n\n")[0], 15002, NAME)
    args = parser.parse_args(argv)
    args.run_dir = args.run_dir.resolve()
    if args.action == "down":
        return servers.down(NAME, args)
    if args.action == "status":
        return servers.status(NAME, args)
    command = servers.submit_command(
        CONNECT_CLASS,
        args,
        "spark-onnx Connect server",
        args.run_dir,
        {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(args.port),
        },
    )
    servers.up(NAME, args, command, lambda: answers(args.port), f"sc://127.0.0.1:{args.port}")


if __name__ == "__main__":
    sys.exit(main())
