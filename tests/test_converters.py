"""Converters: each model converts with parity, then scores through onnx_predict on Spark and
matches the original framework's predictions."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import spark_onnx
from spark_onnx.functions import onnx_predict

PARITY = {}  # converter -> measured parity, printed at the end of the run for the record


def score(spark, name, model, x):
    """Registers `model` and scores the rows of `x` through Spark, in row order."""
    spark_onnx.register(spark, name, model)
    frame = spark.createDataFrame(
        [(i, row.tolist()) for i, row in enumerate(x)], "id INT, x ARRAY<FLOAT>"
    )
    return [
        r.p for r in frame.select("id", onnx_predict(name, "x").alias("p")).orderBy("id").collect()
    ]


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype(np.float32), y


def sklearn_pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))


def random_forest():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)


@pytest.mark.parametrize(
    "make", [sklearn_pipeline, random_forest], ids=["pipeline", "random_forest"]
)
def test_from_sklearn(spark, iris, make):
    x, y = iris
    estimator = make().fit(x, y)
    model = spark_onnx.from_sklearn(estimator, x)
    PARITY[f"sklearn {make.__name__}"] = model.parity
    assert [o.name for o in model.outputs] == ["label", "probabilities"]
    assert model.parity.label_agreement == 1.0
    results = score(spark, f"sk_{make.__name__}", model, x)
    assert [r.label for r in results] == estimator.predict(x).tolist()
    np.testing.assert_allclose(
        np.array([r.probabilities for r in results]), estimator.predict_proba(x), atol=1e-5
    )


def test_from_keras(spark):
    import keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).uniform(0, 16, size=(50, 64)).astype(np.float32)
    model = spark_onnx.from_keras(net, x)
    PARITY["keras"] = model.parity
    assert model.parity.max_abs_error < 1e-5
    got = np.array(score(spark, "keras_net", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, net.predict(x, verbose=0), atol=1e-5)


def test_from_tensorflow_saved_model(spark, tmp_path):
    import tensorflow as tf

    class Affine(tf.Module):
        def __init__(self):
            rng = np.random.default_rng(1)
            self.w = tf.Variable(rng.normal(size=(6, 3)).astype(np.float32))
            self.b = tf.Variable(rng.normal(size=(3,)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float32, name="x")])
        def __call__(self, x):
            return {"scores": tf.nn.softmax(tf.matmul(x, self.w) + self.b)}

    module = Affine()
    tf.saved_model.save(module, str(tmp_path / "saved"), signatures=module.__call__)
    x = np.random.default_rng(2).normal(size=(20, 6)).astype(np.float32)
    model = spark_onnx.from_tensorflow(tmp_path / "saved", x)
    PARITY["tensorflow saved model"] = model.parity
    got = np.array(score(spark, "tf_affine", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, module(tf.constant(x))["scores"].numpy(), atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_from_torch(spark):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    x = np.random.default_rng(3).normal(size=(10, 8)).astype(np.float32)
    model = spark_onnx.from_torch(net, x)
    PARITY["torch"] = model.parity
    got = np.array(score(spark, "torch_net", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, net(torch.as_tensor(x)).detach().numpy(), atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
def test_from_torch_without_torch_says_how_to_get_it():
    with pytest.raises(ImportError, match=r"pip install 'spark-onnx\[torch\]'"):
        spark_onnx.from_torch(object(), np.zeros((1, 2)))


def test_a_parity_mismatch_raises_with_the_errors(iris):
    x, y = iris
    estimator = sklearn_pipeline().fit(x, y)
    with pytest.raises(spark_onnx.ParityError, match=r"max \|diff\| .* max rel"):
        # A tolerance no float32 conversion can meet, and labels from another model.
        spark_onnx.from_sklearn(estimator, x, atol=0.0, rtol=0.0)


def test_importing_spark_onnx_imports_no_framework():
    import subprocess

    code = (
        "import sys, spark_onnx; "
        "print(','.join(m for m in ('tensorflow', 'torch', 'skl2onnx', 'keras', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_zz_report_parity(capsys):
    with capsys.disabled():
        for converter, parity in PARITY.items():
            print(f"\n  parity {converter}: {parity}")
