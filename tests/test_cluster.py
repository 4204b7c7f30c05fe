"""Two real executor JVMs (`local-cluster`): one ORT session per executor, and a job whose
executor is killed mid-way still returns exactly the clean run's rows (Spark's task retry)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DIGITS

HERE = Path(__file__).resolve().parent


def test_local_cluster_sessions_and_executor_kill():
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, str(HERE / "cluster_job.py"), str(DIGITS), "3000000"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Model bytes reached each executor once: one session in each executor JVM.
    assert set(result["sessions_per_executor"].values()) == {1}, result
    assert len(result["sessions_per_executor"]) == 2, result
    assert result["clean"]["rows"] == 3_000_000
    assert result["killed"], "no executor was running when the kill came"
    assert result["faulted"] == result["clean"]
