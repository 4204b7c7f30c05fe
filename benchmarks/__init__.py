"""The spark-onnx benchmark suite: `python benchmarks/run.py` (see benchmarks/README.md)."""
