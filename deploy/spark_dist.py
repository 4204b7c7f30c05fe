"""The Spark distribution the deploy scripts run: the one pip's `pyspark` installs (its `bin/`
holds spark-class, spark-submit and beeline; its `jars/` the Thrift and Connect servers), and
the environment every process gets (loopback only)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[1]
DEFAULT_RUN_DIR = REPO / "deploy-run"


def tool(name: str) -> str:
    """A script of the distribution, e.g. `spark-submit`, `beeline`."""
    path = SPARK_HOME / "bin" / name
    if not path.exists():
        raise SystemExit(f"{path} is missing: pip's pyspark should ship it")
    return str(path)


def environment(run_dir: Path) -> dict[str, str]:
    """The environment of every process started here: Spark binds and advertises 127.0.0.1
    only, reads no spark-defaults.conf of the user's (an empty conf folder), and Python workers
    use this interpreter."""
    conf_dir = run_dir / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(SPARK_HOME),
        SPARK_CONF_DIR=str(conf_dir),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_LOCAL_HOSTNAME="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env
