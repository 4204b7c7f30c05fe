"""One module per scenario; each runs in its own process (`python -m benchmarks.scenarios.X`)."""

# Run order and the names `run.py --only` accepts.
NAMES = ("mlp", "cnn", "images", "sklearn", "aggregate", "text")
