"""The quiet log configuration of the command line and the demo, in a JVM of its own (it is read
at the driver's launch): it drops the heartbeater's uncaught exception, a race inside Spark, and
keeps every other error."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

SCRIPT = """
import spark_onnx
from spark_onnx.commands.quiet import quiet_conf
spark = spark_onnx.session(master="local[1]", conf=quiet_conf())
jvm = spark.sparkContext._jvm
utils = jvm.org.apache.logging.log4j.LogManager.getLogger("org.apache.spark.util.Utils")
npe = jvm.java.lang.NullPointerException("byPartition is null")
utils.error("Uncaught exception in thread executor-heartbeater", npe)
utils.error("Uncaught exception in thread task-runner", npe)
spark.stop()
"""


def test_quiet_logging_drops_the_heartbeat_race_and_keeps_other_errors():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "executor-heartbeater" not in done.stderr, done.stderr[-3000:]
    assert "Uncaught exception in thread task-runner" in done.stderr, done.stderr[-3000:]
    assert "byPartition is null" in done.stderr
