"""Spark settings that keep the command line and the demo quiet: the JVM logs at ERROR from its
first line (a log4j2 file given at launch, since `setLogLevel` comes only after the context and
its start-up warnings), which also hides netlib's fallback warning and the heartbeat warnings
with their stack traces; netlib's native probe, which prints from C, is switched off."""

from __future__ import annotations

import atexit
import os
import tempfile

# org.apache.spark set explicitly: Spark (which takes PySpark for a shell) otherwise prints
# "Setting default log level to WARN" for loggers without a level of their own. The RPC inbox's
# "Ignoring error" (a local-mode block manager re-registering, under load, looking up a cluster
# scheduler endpoint that local mode does not have) is an error Spark itself ignores. The
# heartbeater's "Uncaught exception" is a race inside Spark 4.2: an accumulator registers itself
# with its task while its subclass's fields are still being deserialized (df.cache()'s
# PartitionKeyedAccumulator), and a heartbeat landing then reads a null map. It changes no
# result, and in local mode a silent heartbeater is ignored (no executor is removed for it).
LOG4J2_ERRORS_ONLY = """\
rootLogger.level = error
logger.spark.name = org.apache.spark
logger.spark.level = error
logger.inbox.name = org.apache.spark.rpc.netty.Inbox
logger.inbox.level = off
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
logger.utils.filter.heartbeat.type = RegexFilter
logger.utils.filter.heartbeat.regex = Uncaught exception in thread executor-heartbeater.*
logger.utils.filter.heartbeat.onMatch = DENY
logger.utils.filter.heartbeat.onMismatch = NEUTRAL
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


def quiet_conf() -> dict[str, str]:
    """Settings for `spark_onnx.session(conf=...)`; the driver JVM reads them as it starts."""
    handle, path = tempfile.mkstemp(prefix="spark-onnx-log4j2-", suffix=".properties")
    with os.fdopen(handle, "w") as f:
        f.write(LOG4J2_ERRORS_ONLY)
    atexit.register(lambda: os.path.exists(path) and os.remove(path))
    # netlib's native BLAS probe prints "netlib-blas: JNI_OnLoad: dlopen(libblas.so.3) failed"
    # from C, past any logger, where no system BLAS is installed; the Java implementation it
    # falls back to is what runs then anyway, and is plenty for the demo's small models.
    no_native = " ".join(
        f"-Ddev.ludovic.netlib.{lib}.allowNative=false" for lib in ("blas", "lapack", "arpack")
    )
    options = f"-Dlog4j2.configurationFile=file:{path} {no_native}"
    return {
        "spark.driver.extraJavaOptions": options,
        "spark.ui.showConsoleProgress": "false",
    }
