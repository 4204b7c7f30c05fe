"""Kept for `spark-onnx bench` and old instructions: the MLP scenario of the suite.

    python benchmarks/bench_mlp.py [--quick] [--runs K] [--out DIR] [--conf KEY=VALUE]

is `python benchmarks/run.py --only mlp ...` (see benchmarks/README.md); other arguments of
run.py (e.g. `--only mlp,cnn`) pass through too.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run

if __name__ == "__main__":
    args = sys.argv[1:]
    if not any(a == "--only" or a.startswith("--only=") for a in args):
        args = ["--only", "mlp", *args]
    sys.exit(run.main(args))
