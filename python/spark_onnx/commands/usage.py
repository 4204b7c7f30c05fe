"""The command line's own error: a problem with its arguments or files, found before Spark
starts. `spark_onnx.cli` prints it as one line on stderr and exits with status 2, as argparse
does for a bad option."""

from __future__ import annotations


class UsageError(Exception):
    """An argument or input file the command cannot use; the message says which and why."""
