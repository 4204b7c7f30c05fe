"""Converters: each model converts with parity, then scores through onnx_predict on Spark and
matches the original framework's predictions."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import spark_onnx
from spark_onnx.convert.parity import Parity
from spark_onnx.functions import onnx_predict


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


SKLEARN = {"pipeline": sklearn_pipeline, "random_forest": random_forest}


@pytest.fixture(scope="module")
def sklearn_converted(iris):
    """name -> (fitted estimator, its conversion), made once for the module."""
    x, y = iris
    estimators = {name: make().fit(x, y) for name, make in SKLEARN.items()}
    return {name: (e, spark_onnx.from_sklearn(e, x)) for name, e in estimators.items()}


@pytest.mark.parametrize("name", SKLEARN)
def test_from_sklearn(spark, iris, sklearn_converted, name):
    x = iris[0]
    estimator, model = sklearn_converted[name]
    assert [o.name for o in model.outputs] == ["label", "probabilities"]
    assert model.parity.label_agreement == 1.0
    results = score(spark, f"sk_{name}", model, x)
    assert [r.label for r in results] == estimator.predict(x).tolist()
    np.testing.assert_allclose(
        np.array([r.probabilities for r in results]), estimator.predict_proba(x), atol=1e-5
    )


@pytest.fixture(scope="module")
def keras_converted():
    """(net, sample, conversion), made once for the module."""
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
    return net, x, spark_onnx.from_keras(net, x)


def test_from_keras(spark, keras_converted):
    net, x, model = keras_converted
    assert model.parity.max_abs_error < 1e-5
    got = np.array(score(spark, "keras_net", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, net.predict(x, verbose=0), atol=1e-5)


@pytest.fixture(scope="module")
def tensorflow_converted(tmp_path_factory):
    """(module, sample, conversion of its SavedModel), made once for the module."""
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
    saved = tmp_path_factory.mktemp("tensorflow") / "saved"
    tf.saved_model.save(module, str(saved), signatures=module.__call__)
    x = np.random.default_rng(2).normal(size=(20, 6)).astype(np.float32)
    return module, x, spark_onnx.from_tensorflow(saved, x)


def test_from_tensorflow_saved_model(spark, tensorflow_converted):
    import tensorflow as tf

    module, x, model = tensorflow_converted
    got = np.array(score(spark, "tf_affine", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, module(tf.constant(x))["scores"].numpy(), atol=1e-5)


HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def torch_converted():
    """(net, sample, conversion), made once for the module."""
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    x = np.random.default_rng(3).normal(size=(10, 8)).astype(np.float32)
    return net, x, spark_onnx.from_torch(net, x)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_from_torch(spark, torch_converted):
    import torch

    net, x, model = torch_converted
    got = np.array(score(spark, "torch_net", model, x), dtype=np.float32)
    np.testing.assert_allclose(got, net(torch.as_tensor(x)).detach().numpy(), atol=1e-5)


@pytest.mark.skipif(HAS_TORCH, reason="torch is installed")
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


def test_report_parity(request, iris, capsys):
    """Every converter measures its parity on its sample and reports it: this test converts
    what it reports itself (through the module's shared fixtures), so it holds in any order."""
    converted = {
        f"sklearn {name}": (m, len(iris[0]))
        for name, (_, m) in request.getfixturevalue("sklearn_converted").items()
    }
    frameworks = ["keras", "tensorflow"] + (["torch"] if HAS_TORCH else [])
    for framework in frameworks:
        _, x, model = request.getfixturevalue(f"{framework}_converted")
        converted[framework] = (model, len(x))
    report = []
    for converter, (model, rows) in converted.items():
        parity = model.parity
        assert isinstance(parity, Parity), converter
        assert parity.rows == rows, converter
        assert 0.0 <= parity.max_abs_error < 1e-4, (converter, str(parity))
        if converter.startswith("sklearn"):
            assert parity.label_agreement == 1.0, (converter, str(parity))
        report.append(f"  parity {converter}: {parity}")
    assert len(report) == 4 + HAS_TORCH
    with capsys.disabled():
        print("\n" + "\n".join(report))
