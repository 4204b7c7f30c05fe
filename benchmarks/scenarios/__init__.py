"""One module per scenario; each runs in its own process (`python -m benchmarks.scenarios.X`),
except in a quick run, where the contender scenarios share one (`benchmarks.scenarios.suite`)."""

# Run order and the names `run.py --only` accepts.
NAMES = ("mlp", "cnn", "images", "sklearn", "aggregate", "text")
# Opt-in: the peers (SynapseML, in their own Spark 3.5 environment: `run.py --peers`) and the
# Parquet files at 1M-16M rows (`run.py --scale`).
OPT_IN = ("peers", "scale")
ALL = NAMES + OPT_IN
