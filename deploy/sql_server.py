"""bin/sql-server up|down|status: Spark's Thrift (JDBC/ODBC) server with spark-onnx, on
127.0.0.1:10000 (--port), in local mode or on a cluster (--master spark://127.0.0.1:7077).

The models are registered by configuration (`spark.onnx.model.<name>`): the shipped digits
model and the zoo by default, more with --model name=path. `up` returns once beeline runs a
query that scores a row through the server."""

from __future__ import annotations

import subprocess
import sys

import servers
from spark_dist import environment, tool

from spark_onnx import zoo

NAME = "sql-server"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"

# A real call: the digits model scores one row of 64 zeros (10 class probabilities).
READY_QUERY = "SELECT size(onnx_predict('digits', array_repeat(CAST(0 AS FLOAT), 64))) AS n"


def beeline(port: int, sql: str, run_dir, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Runs `sql` (statements, or `-f FILE`) through beeline against the server on `port`;
    csv output, no banner."""
    command = [tool("beeline"), "-u", f"jdbc:hive2://127.0.0.1:{port}/default", "-n", "spark-onnx"]
    command += ["--silent=true", "--showHeader=true", "--outputformat=csv2"]
    command += sql.split(" ", 1) if sql.startswith("-f ") else ["-e", sql]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(run_dir),
        check=False,
        stdin=subprocess.DEVNULL,
    )


def zoo_functions(models: dict) -> list[str]:
    """Permanent top-5 functions for each zoo classifier among `models` (by name)."""
    return [
        statement
        for name, network in zoo.models().items()
        if name in models
        for statement in zoo.top_k_functions(network, temporary=False)
    ]


def main(argv: list[str] | None = None) -> None:
    parser = servers.options("bin/sql-server", __doc__.split("\n\n")[0], 10000, NAME)
    args = parser.parse_args(argv)
    args.run_dir = args.run_dir.resolve()
    if args.action == "down":
        return servers.down(NAME, args)
    if args.action == "status":
        return servers.status(NAME, args)
    run_dir = args.run_dir
    metastore = run_dir / "metastore_db"
    command = servers.submit_command(
        THRIFT_CLASS,
        args,
        "spark-onnx SQL server",
        run_dir,
        {
            # The Hive metastore (Derby) and warehouse stay in the run folder.
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={metastore};create=true"
            ),
        },
    )
    command += ["--hiveconf", f"hive.server2.thrift.port={args.port}"]
    command += ["--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1"]

    # One beeline call (a JVM start) both defines the zoo's functions and scores a row.
    run_dir.mkdir(parents=True, exist_ok=True)
    script = run_dir / "ready.sql"
    script.write_text(";\n".join([*zoo_functions(servers.models_from(args)), READY_QUERY]) + ";\n")

    def answers() -> bool:
        done = beeline(args.port, f"-f {script}", run_dir, timeout=60)
        return done.returncode == 0 and "\n10" in done.stdout

    servers.up(NAME, args, command, answers, f"jdbc:hive2://127.0.0.1:{args.port}")


if __name__ == "__main__":
    sys.exit(main())
