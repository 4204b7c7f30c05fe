"""Import path PySpark derives from the JVM package `sparkonnx` when it loads a saved pipeline
(`PipelineModel.load` maps a Java stage class to a Python class by name). Use `spark_onnx`."""
