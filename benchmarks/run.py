"""The benchmark suite: every scenario in its own process, then one report.

    python benchmarks/run.py [--quick] [--only mlp,cnn,images,sklearn,aggregate] [--peers]
                             [--scale] [--out DIR]

Writes DIR/results.json, DIR/results.md and DIR/results.png (DIR: benchmarks/results, or
benchmarks/out/quick with --quick; a quick run never writes to benchmarks/results).
--peers adds SynapseML (its own Spark 3.5 environment, built once under benchmarks/out),
--scale the Parquet files of 1M to 16M rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `python benchmarks/run.py` puts benchmarks/ first instead

from benchmarks import harness, report
from benchmarks.scenarios import ALL, NAMES

RESULTS = REPO / "benchmarks" / "results"
QUICK_OUT = REPO / "benchmarks" / "out" / "quick"
FULL_RUNS, QUICK_RUNS = 3, 1
# In a quick run the first-row query and the correctness check already warm every path up.
FULL_WARMUPS, QUICK_WARMUPS = 1, 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: small inputs, 1 run")
    parser.add_argument("--only", default=",".join(NAMES), help="comma-separated scenarios")
    parser.add_argument("--peers", action="store_true", help="also SynapseML (Spark 3.5)")
    parser.add_argument("--scale", action="store_true", help="also Parquet at 1M-16M rows")
    parser.add_argument(
        "--separate", action="store_true", help="quick: a process per scenario, not one for all"
    )
    parser.add_argument("--out", type=Path, help="results folder")
    parser.add_argument("--runs", type=int, help=f"timed runs ({FULL_RUNS}; quick {QUICK_RUNS})")
    parser.add_argument(
        "--report-only", action="store_true", help="re-render DIR's report from its results.json"
    )
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark conf"
    )
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    args.only += [name for name, wanted in (("peers", args.peers), ("scale", args.scale)) if wanted]
    args.only = [name for name in ALL if name in args.only]
    unknown = set(args.only) - set(ALL)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(ALL)}")
    args.out = args.out or (QUICK_OUT if args.quick else RESULTS)
    if args.quick and args.out.resolve() == RESULTS.resolve():
        parser.error("a --quick run must not overwrite benchmarks/results: pass another --out")
    args.runs = args.runs or (QUICK_RUNS if args.quick else FULL_RUNS)
    return args


def child_env() -> dict[str, str]:
    # Scenario processes and their Spark Python workers import `benchmarks.*` from the checkout.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def common_options(args: argparse.Namespace) -> list[str]:
    options = ["--runs", str(args.runs)]
    options += ["--warmups", str(QUICK_WARMUPS if args.quick else FULL_WARMUPS)]
    options += ["--quick"] if args.quick else []
    for pair in args.conf:
        options += ["--conf", pair]
    return options


def run_scenario(name: str, args: argparse.Namespace, tmp: Path) -> dict | None:
    out = tmp / f"{name}.json"
    command = [sys.executable, "-m", f"benchmarks.scenarios.{name}", "--json", str(out)]
    before = harness.cpu_times()
    done = subprocess.run(command + common_options(args), cwd=REPO, env=child_env(), check=False)
    if done.returncode != 0 or not out.exists():
        print(f"[{name}] FAILED (exit {done.returncode})", flush=True)
        return None
    result = json.loads(out.read_text())
    # How quiet the machine was: a share of CPU time the hypervisor gave to other guests slows
    # every contender, so rates from runs with much of it are not comparable.
    result["cpu_stolen_percent"] = harness.stolen_percent(before, harness.cpu_times())
    return result


def run_shared(names: list[str], args: argparse.Namespace, tmp: Path) -> dict[str, dict | None]:
    """Several scenarios in one process and one Spark session (a quick run: Spark's start-up,
    the JIT's warm-up and the Python workers' start are paid once, not per scenario)."""
    command = [sys.executable, "-m", "benchmarks.scenarios.suite", "--only", ",".join(names)]
    command += ["--json-dir", str(tmp)]
    done = subprocess.run(command + common_options(args), cwd=REPO, env=child_env(), check=False)
    found = {}
    for name in names:
        out = tmp / f"{name}.json"
        found[name] = json.loads(out.read_text()) if out.exists() else None
        if found[name] is None:
            print(f"[{name}] FAILED (suite exit {done.returncode})", flush=True)
    return found


def summary(full: dict) -> str:
    lines = []
    for result in full["scenarios"].values():
        lines.append(f"{result['scenario']} ({result['rows']:,} rows)")
        for key, c in report.flat_contenders(result).items():
            name = report.SHORT_NAMES.get(key, key)
            lines.append(f"  {name:<28} {c['rows_per_second']:>14,.0f} rows/s")
    lines.append("targets")
    for t in full["targets"]:
        comparison = t.get("comparison", ">=")
        lines.append(
            f"  {t['scenario'] + ' ' + t['ratio']:<42} {report.target_value(t):>7}  "
            f"{comparison} {t['goal']:<5g} {t['status']}"
        )
    return "\n".join(lines)


def rerender(out: Path) -> int:
    """The report again from results.json, e.g. after a change to report.py."""
    old = json.loads((out / "results.json").read_text())
    full = report.combine(old["scenarios"], old["quick"], old["suite_seconds"])
    full["generated"] = old["generated"]
    report.write(out, full)
    print(summary(full))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        return rerender(args.out)
    began = time.perf_counter()
    scenarios = {} if args.quick else report.load(args.out / "results.json")
    failed = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        shared = [n for n in args.only if n in NAMES] if args.quick and not args.separate else []
        found = run_shared(shared, args, Path(tmp)) if shared else {}
        for name in args.only:
            result = found[name] if name in found else run_scenario(name, args, Path(tmp))
            if result is None:
                failed.append(name)
            else:
                scenarios[name] = result
    ordered = {name: scenarios[name] for name in ALL if name in scenarios}
    full = report.combine(ordered, args.quick, time.perf_counter() - began)
    if ordered:
        written = report.write(args.out, full)
        print("\n" + summary(full))
        print(
            "wrote "
            + ", ".join(
                str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in written
            )
        )
    print(f"suite took {full['suite_seconds']:.0f} s")
    if failed:
        print(f"failed scenario(s): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
