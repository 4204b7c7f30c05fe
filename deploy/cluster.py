"""bin/cluster up|down|status: a Spark standalone cluster on this machine, on 127.0.0.1 only —
one master and N workers (2 by default), logs and pids under the run folder (deploy-run/cluster).

`up` starts whatever is not running (so it also restarts a worker that died) and returns once
every worker has registered with the master; `down` stops exactly the processes `up` started,
with the executors they forked; `status` prints the master URL and the workers' states."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

import processes
from spark_dist import DEFAULT_RUN_DIR, environment, tool

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"


def master_json(web_port: int) -> dict | None:
    """The master's own view (its web UI's /json): workers, their state, running apps."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/json/", timeout=2) as reply:
            return json.load(reply)
    except OSError:
        return None


def registered(web_port: int, worker_web_ports: list[int]) -> bool:
    """Whether each of our workers (known by its web UI port) is ALIVE at the master. A worker
    killed a moment ago stays ALIVE there until it misses its heartbeats, and its restart
    registers under a new id, so a count of ALIVE workers would not do."""
    view = master_json(web_port) or {}
    alive = {w.get("webuiaddress") for w in view.get("workers", []) if w.get("state") == "ALIVE"}
    return all(f"http://127.0.0.1:{port}" in alive for port in worker_web_ports)


def daemon_env(run_dir: Path, heap: str) -> dict[str, str]:
    env = environment(run_dir)
    # Master and worker are bookkeeping JVMs: a small heap, and the marker `down` checks.
    env["SPARK_DAEMON_MEMORY"] = heap
    # No REST submission server (port 6066): submissions go through spark-submit only.
    env["SPARK_DAEMON_JAVA_OPTS"] = f"{processes.marker(run_dir)} -Dspark.master.rest.enabled=false"
    return env


def up(args: argparse.Namespace) -> None:
    run_dir: Path = args.run_dir
    started = time.monotonic()
    state = processes.read_state(run_dir) or {}
    if processes.pid_of("master", run_dir) is None:
        state = {
            "port": args.port,
            "web_port": args.web_port or processes.free_port(),
            "workers": args.workers,
            "cores": args.cores,
            "memory": args.memory,
        }
    master = f"spark://127.0.0.1:{state['port']}"
    state["master"] = master
    state["web_url"] = f"http://127.0.0.1:{state['web_port']}"
    processes.write_state(run_dir, state)
    env = daemon_env(run_dir, args.daemon_memory)
    master_pid = processes.pid_of("master", run_dir)
    if master_pid is None:
        command = [tool("spark-class"), MASTER_CLASS, "--host", "127.0.0.1"]
        command += ["--port", str(state["port"]), "--webui-port", str(state["web_port"])]
        master_pid = processes.start("master", command, run_dir, env)
    processes.wait_until(
        "master",
        lambda: master_json(state["web_port"]) is not None,
        args.timeout,
        lambda: processes.running(master_pid),
        run_dir / "master.log",
    )
    pids = []
    web_ports = state.setdefault("worker_web_ports", {})
    for n in range(1, state["workers"] + 1):
        name = f"worker-{n}"
        pid = processes.pid_of(name, run_dir)
        if pid is None:
            work_dir = run_dir / name
            work_dir.mkdir(parents=True, exist_ok=True)
            web_ports[name] = processes.free_port()
            command = [tool("spark-class"), WORKER_CLASS, "--host", "127.0.0.1"]
            command += ["--cores", str(state["cores"]), "--memory", state["memory"]]
            command += ["--webui-port", str(web_ports[name]), "--work-dir", str(work_dir)]
            pid = processes.start(name, command + [master], run_dir, env)
        pids.append((name, pid))
    processes.write_state(run_dir, state)
    processes.wait_until(
        f"{state['workers']} workers",
        lambda: registered(state["web_port"], [web_ports[n] for n, _ in pids if n in web_ports]),
        args.timeout,
        lambda: all(processes.running(pid) for _, pid in pids),
        run_dir / "master.log",
    )
    print(
        f"{master} up: {state['workers']} workers registered in {time.monotonic() - started:.1f}s"
    )
    print(f"web UI {state['web_url']}, logs in {run_dir}")


def down(args: argparse.Namespace) -> None:
    run_dir: Path = args.run_dir
    state = processes.read_state(run_dir) or {}
    stopped = [
        name
        for name in [f"worker-{n}" for n in range(1, state.get("workers", 0) + 1)] + ["master"]
        if processes.stop(name, run_dir)
    ]
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


def status(args: argparse.Namespace) -> None:
    run_dir: Path = args.run_dir
    state = processes.read_state(run_dir)
    if state is None or processes.pid_of("master", run_dir) is None:
        print("cluster: not running")
        sys.exit(1)
    view = master_json(state["web_port"]) or {}
    print(
        f"master {state['master']} ({view.get('status', 'not answering')}), web {state['web_url']}"
    )
    for worker in view.get("workers", []):
        print(
            f"  worker {worker['id']} {worker['state']}: {worker['cores']} cores, "
            f"{worker['memory']} MiB, {worker['coresused']} in use"
        )
    for app in view.get("activeapps", []):
        print(f"  app {app['id']} {app['name']!r}: {app['state']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bin/cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR / "cluster")
    parser.add_argument("--port", type=int, default=7077, help="master port (7077)")
    parser.add_argument("--web-port", type=int, default=0, help="master web UI (a free one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1, help="cores per worker (1)")
    parser.add_argument("--memory", default="1g", help="executor memory per worker (1g)")
    parser.add_argument("--daemon-memory", default="256m", help="master/worker heap (256m)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds `up` may take")
    args = parser.parse_args(argv)
    args.run_dir = args.run_dir.resolve()
    {"up": up, "down": down, "status": status}[args.action](args)


if __name__ == "__main__":
    main()
