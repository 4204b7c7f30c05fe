"""`spark-onnx bench`: the benchmark suite (benchmarks/run.py of the checkout)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def run(args) -> int:
    script = Path(__file__).resolve().parents[3] / "benchmarks" / "run.py"
    if not script.exists():
        raise SystemExit(
            f"spark-onnx bench: {script} not found (run it from a spark-onnx checkout)"
        )
    sys.argv = [str(script), *args.bench_args]
    runpy.run_path(str(script), run_name="__main__")
    return 0
