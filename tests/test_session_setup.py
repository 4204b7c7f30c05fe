"""What a session needs before models can be used: a session started without the extension
refuses to register one, naming the missing setting; the package's zoo and samples are there
after `import spark_onnx`, with no environment variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import spark_onnx

WITHOUT_EXTENSION = textwrap.dedent(
    """
    import json
    from pyspark.sql import SparkSession
    import spark_onnx

    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.jars", ",".join(spark_onnx.bundled_jars()))
        .getOrCreate()
    )
    try:
        spark_onnx.register(spark, "digits", spark_onnx.samples.digits())
        print(json.dumps(None))
    except spark_onnx.errors.ExtensionNotEnabled as e:
        print(json.dumps([e.getCondition(), e.getMessageParameters(), str(e)]))
    """
)


def test_register_without_the_extension_names_the_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SPARK_ONNX_ZOO"}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTENSION],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    condition, parameters, message = json.loads(done.stdout.strip().splitlines()[-1])
    assert condition == "ONNX_EXTENSION_NOT_ENABLED"
    assert parameters == {
        "setting": "spark.sql.extensions",
        "extension": "sparkonnx.SparkOnnxExtensions",
    }
    assert "spark.sql.extensions=sparkonnx.SparkOnnxExtensions" in message


def test_zoo_and_samples_after_import_spark_onnx(monkeypatch):
    monkeypatch.delenv("SPARK_ONNX_ZOO", raising=False)
    assert "mobilenet_v2" in spark_onnx.zoo.models()
    assert spark_onnx.samples.digits().endswith("digits.onnx")
    assert os.path.isfile(spark_onnx.samples.digits())


def test_python_made_error_has_the_jvm_message():
    error = spark_onnx.errors.extension_not_enabled()
    assert isinstance(error, spark_onnx.errors.ExtensionNotEnabled)
    assert error.getCondition() == "ONNX_EXTENSION_NOT_ENABLED"
    assert str(error).startswith("[ONNX_EXTENSION_NOT_ENABLED] spark-onnx's SQL extension")
    assert "spark.sql.extensions=sparkonnx.SparkOnnxExtensions" in str(error)


class _Builder:
    """What `configure` reads and writes of a SparkSession.Builder."""

    def __init__(self, **options: str) -> None:
        self._options: dict[str, str] = dict(options)

    def config(self, key: str, value: str) -> _Builder:
        self._options[key] = value
        return self


def test_configure_names_the_shipped_model_folders():
    options = spark_onnx.configure(_Builder())._options
    folders = options["spark.onnx.zoo.dirs"].split(",")
    assert folders == [str(spark_onnx.zoo.folder()), os.path.dirname(spark_onnx.samples.digits())]
    assert options["spark.sql.extensions"] == "sparkonnx.SparkOnnxExtensions"


def test_configure_for_a_server_started_elsewhere_adds_only_models():
    # Its jars and extension are the server's own business: setting them from a client can only
    # fail (and warn), so only the models are added.
    builder = _Builder(**{"spark.remote": "sc://models.example:15002"})
    options = spark_onnx.configure(builder, models={"m": "/srv/m.onnx"})._options
    assert options == {
        "spark.remote": "sc://models.example:15002",
        "spark.onnx.model.m": "/srv/m.onnx",
    }
