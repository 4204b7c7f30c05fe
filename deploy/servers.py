"""What the SQL (Thrift/JDBC) and Spark Connect servers share: the command line that puts
spark-onnx into a server started with spark-submit (the jars, the extension, the models
registered by configuration), the options of their scripts, and up/down around them."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import processes
from spark_dist import DEFAULT_RUN_DIR, REPO, environment, tool

import spark_onnx
from spark_onnx import zoo

EXTENSION = "sparkonnx.SparkOnnxExtensions"


def default_models() -> dict[str, Path]:
    """The shipped digits model and every zoo network with its feature cut, by name."""
    models = {"digits": REPO / "models" / "digits.onnx"}
    for name, network in zoo.models().items():
        models[name] = network.classifier
        models[f"{name}_features"] = network.features
    return models


def models_from(args: argparse.Namespace) -> dict[str, Path]:
    """The defaults (unless --no-default-models) plus each --model name=path."""
    models = {} if args.no_default_models else default_models()
    for given in args.model:
        name, sep, path = given.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"--model takes name=path, not {given!r}")
        models[name] = Path(path)
    for name, path in models.items():
        if not path.resolve().is_file():
            raise SystemExit(f"model {name!r}: no file at {path}")
    return models


def submit_command(
    main_class: str,
    args: argparse.Namespace,
    app_name: str,
    run_dir: Path,
    extra_conf: dict[str, str],
) -> list[str]:
    """spark-submit of a server class (no application jar: `spark-internal`), with spark-onnx."""
    conf = {
        "spark.sql.extensions": EXTENSION,
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": str(run_dir / "warehouse"),
        **{f"spark.onnx.model.{n}": str(p.resolve()) for n, p in models_from(args).items()},
        **extra_conf,
    }
    for given in args.conf:
        key, sep, value = given.partition("=")
        if not sep:
            raise SystemExit(f"--conf takes key=value, not {given!r}")
        conf[key] = value
    command = [tool("spark-submit"), "--master", args.master, "--name", app_name]
    command += ["--class", main_class, "--driver-memory", args.driver_memory]
    command += ["--jars", ",".join(spark_onnx.bundled_jars())]
    command += [
        "--driver-java-options",
        f"{processes.marker(run_dir)} -Dderby.system.home={run_dir}",
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return command + ["spark-internal"]


def options(prog: str, description: str, port: int, run_name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--port", type=int, default=port, help=f"port on 127.0.0.1 ({port})")
    parser.add_argument(
        "--master",
        default="local[2]",
        help="local[2] (default) or the standalone cluster, e.g. spark://127.0.0.1:7077",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="one more model registered by configuration (repeatable)",
    )
    parser.add_argument(
        "--no-default-models", action="store_true", help="without digits and the zoo"
    )
    parser.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="any Spark setting"
    )
    parser.add_argument("--driver-memory", default="1g")
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR / run_name)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds `up` may take")
    return parser


def up(
    name: str,
    args: argparse.Namespace,
    command: list[str],
    answers: Callable[[], bool],
    address: str,
) -> None:
    """Starts the server unless it runs; returns once its port is open and `answers` (a real
    query through the server) succeeds."""
    run_dir: Path = args.run_dir
    started = time.monotonic()
    if processes.pid_of(name, run_dir) is not None:
        print(f"{name} already running at {address} (logs in {run_dir})")
        return
    processes.write_state(run_dir, {"address": address, "port": args.port, "master": args.master})
    pid = processes.start(name, command, run_dir, environment(run_dir))
    log = run_dir / f"{name}.log"
    alive = lambda: processes.running(pid)
    processes.wait_until(
        f"{name} port", lambda: processes.port_open(args.port), args.timeout, alive, log
    )
    remaining = max(10.0, args.timeout - (time.monotonic() - started))
    processes.wait_until(f"{name} query", answers, remaining, alive, log)
    print(f"{name} up at {address} in {time.monotonic() - started:.1f}s (logs in {run_dir})")


def down(name: str, args: argparse.Namespace) -> None:
    stopped = processes.stop(name, args.run_dir)
    print(f"{name}: {'stopped' if stopped else 'was not running'}")


def status(name: str, args: argparse.Namespace) -> None:
    state = processes.read_state(args.run_dir) or {}
    if processes.pid_of(name, args.run_dir) is None:
        print(f"{name}: not running")
        raise SystemExit(1)
    print(f"{name}: running at {state.get('address')} on {state.get('master')}")
