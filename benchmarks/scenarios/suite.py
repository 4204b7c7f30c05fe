"""Several scenarios in one process and one Spark session (`run.py --quick` uses it): the quick
run's time goes to the scenarios, not to five Spark start-ups, JIT warm-ups and Python worker
starts. Each scenario keeps its own input, checks and figures; its SQL settings (Arrow batch
size) are set for its duration; its cached input is freed after it.

    python -m benchmarks.scenarios.suite --only mlp,cnn --json-dir DIR [--quick] ...

writes DIR/<scenario>.json for each scenario that completed."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.scenarios import NAMES
from benchmarks.scenarios.common import (
    CheckFailed,
    Scenario,
    SharedSpark,
    parse_conf,
    run,
    scenario_conf,
    start_spark,
)


def scenario_class(name: str) -> type[Scenario]:
    module = importlib.import_module(f"benchmarks.scenarios.{name}")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Scenario)
        and getattr(value, "name", None) == name
    ]
    return found[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", required=True, help="comma-separated scenarios")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmups", type=int, default=1)
    parser.add_argument("--json-dir", type=Path, required=True)
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - set(NAMES)
    if unknown:
        parser.error(f"not contender scenarios: {sorted(unknown)}")
    extra = parse_conf(args.conf)
    classes = [scenario_class(n) for n in names]
    # The heap and base settings are every scenario's; per-scenario SQL settings come later.
    conf = scenario_conf(classes[0](args.quick, Path()), extra)
    for cls in classes:
        for key in cls.spark_conf:
            conf.pop(key, None)
    start = time.perf_counter()
    spark = start_spark("suite", conf)
    shared = SharedSpark(spark, time.perf_counter() - start, conf)
    failed = 0
    try:
        for cls in classes:
            with tempfile.TemporaryDirectory(prefix=f"bench-{cls.name}-") as tmp:
                try:
                    result = run(cls(args.quick, Path(tmp)), args.runs, args.warmups, extra, shared)
                except (CheckFailed, Exception):  # noqa: BLE001 - not the others' failure
                    traceback.print_exc()
                    failed += 1
                    continue
            (args.json_dir / f"{cls.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    finally:
        spark.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
