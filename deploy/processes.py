"""Long-running processes the deploy scripts start and stop: each runs detached in its own
process group (so `down` ends it and the executors it forked, and nothing else), with its log
and pid file in the run folder, and a marker on its command line (the run folder) so a pid that
was reused by another program after a crash is never signalled."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

MARKER_PROPERTY = "-Dsparkonnx.deploy.run="


def marker(run_dir: Path) -> str:
    """The JVM option that names this run folder on the process's command line."""
    return MARKER_PROPERTY + str(run_dir.resolve())


def start(name: str, command: Sequence[str], run_dir: Path, env: dict[str, str]) -> int:
    """Starts `command` detached (new session: its own process group), output to
    `<run_dir>/<name>.log`; records and returns its pid."""
    run_dir.mkdir(parents=True, exist_ok=True)
    log = open(run_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
    with log:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=run_dir,
            start_new_session=True,
        )
    (run_dir / f"{name}.pid").write_text(f"{process.pid}\n")
    return process.pid


def pid_of(name: str, run_dir: Path) -> int | None:
    """The pid `start` recorded for `name`, if that process is still ours and alive."""
    try:
        pid = int((run_dir / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if _is_ours(pid, run_dir) else None


def _is_ours(pid: int, run_dir: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return running(pid) and marker(run_dir) in cmdline.split("\0")


def running(pid: int) -> bool:
    """Whether `pid` exists and has not exited (a zombie only waits to be reaped). Used while a
    daemon starts: spark-class is a shell script until it execs the JVM with the marker."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(name: str, run_dir: Path, grace_s: float = 20.0) -> bool:
    """Ends the process group `start` made for `name`: SIGTERM, then SIGKILL after `grace_s`.
    True if something was running."""
    pid = pid_of(name, run_dir)
    (run_dir / f"{name}.pid").unlink(missing_ok=True)
    if pid is None:
        return False
    signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.2)
    if _group_alive(pid):
        signal_group(pid, signal.SIGKILL)
    return True


def signal_group(pid: int, signum: int) -> None:
    """Signals the process group led by `pid` (the daemon and the executors it forked)."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(
    what: str, ready: Callable[[], bool], timeout_s: float, alive: Callable[[], bool], log: Path
) -> None:
    """Polls `ready` until true; fails early if the process died, or after `timeout_s`, with
    the end of its log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        if not alive():
            raise SystemExit(f"{what} exited while starting; end of {log}:\n{tail(log)}")
        time.sleep(0.5)
    raise SystemExit(f"{what} not ready after {timeout_s:.0f}s; end of {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def write_state(run_dir: Path, state: dict) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "state.json").write_text(json.dumps(state, indent=2) + "\n")


def read_state(run_dir: Path) -> dict | None:
    try:
        return json.loads((run_dir / "state.json").read_text())
    except (OSError, ValueError):
        return None
