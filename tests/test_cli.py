"""Every `spark-onnx` command, run as a subprocess the way a user runs it."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pandas as pd
from PIL import Image
from skimage import data as photos

from conftest import DIGITS, ROOT


def cli(*args: str, timeout: int = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "spark_onnx.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_inspect():
    out = cli("inspect", str(DIGITS))
    assert "input   pixels         float  [?, 64]" in out
    assert "output  probabilities  float  [?, 10]" in out
    assert "opsets   ai.onnx 17" in out


def test_zoo():
    out = cli("zoo")
    assert "mobilenet_v2" in out and "mobilenet_v2_features.onnx" in out
    assert "1000 ImageNet classes" in out


def test_convert_a_sklearn_pickle(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    estimator = LogisticRegression(max_iter=300).fit(x, y)
    source = tmp_path / "model.pkl"
    source.write_bytes(pickle.dumps(estimator))
    np.save(tmp_path / "sample.npy", x.astype(np.float32))
    target = tmp_path / "model.onnx"
    out = cli("convert", str(source), "--to", str(target), "--sample", str(tmp_path / "sample.npy"))
    assert "parity: max |diff|" in out and "labels agree 100.0%" in out
    session = ort.InferenceSession(str(target))
    labels = session.run(None, {session.get_inputs()[0].name: x.astype(np.float32)})[0]
    assert labels.tolist() == estimator.predict(x).tolist()


def test_predict_a_parquet_table(tmp_path, digits_test, digits_direct):
    pd.DataFrame({"pixels": list(digits_test[0])}).to_parquet(tmp_path / "in.parquet")
    out = cli(
        "predict",
        "--model",
        str(DIGITS),
        "--input",
        str(tmp_path / "in.parquet"),
        "--output",
        str(tmp_path / "out"),
        "--batch-size",
        "64",
    )
    assert f"scored {len(digits_direct):,} rows" in out and "rows/s" in out
    result = pd.read_parquet(tmp_path / "out")
    assert len(result) == len(digits_direct)
    by_input = {tuple(p): pred for p, pred in zip(result.pixels, result.prediction)}
    for pixels, expected in zip(digits_test[0], digits_direct):
        np.testing.assert_array_equal(np.array(by_input[tuple(pixels)], dtype=np.float32), expected)


def test_predict_an_image_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photos.chelsea()).save(folder / "cat.png")
    Image.fromarray(photos.coffee()).save(folder / "coffee.jpg")
    (folder / "notes.txt").write_text("not an image, filtered out")
    model = ROOT / "models" / "zoo" / "mobilenet_v2.onnx"
    cli("predict", "--model", str(model), "--input", str(folder), "--output", str(tmp_path / "out"))
    result = pd.read_parquet(tmp_path / "out")
    labels = (ROOT / "models" / "zoo" / "imagenet_labels.txt").read_text().splitlines()
    top = {
        path.rsplit("/", 1)[-1]: labels[int(np.argmax(p))]
        for path, p in zip(result.path, result.prediction)
    }
    assert top == {"cat.png": "Egyptian cat", "coffee.jpg": "espresso"}


def test_bench_quick_writes_a_valid_report(tmp_path):
    # Every scenario, small: CI checks the suite runs and writes its files, not the speeds.
    cli("bench", "--quick", "--out", str(tmp_path), timeout=900)
    results = json.loads((tmp_path / "results.json").read_text())
    assert list(results["scenarios"]) == ["mlp", "cnn", "images", "sklearn", "aggregate"]
    forms = ["projection", "sum", "group", "group_key", "order", "order_key"]
    for name, scenario in results["scenarios"].items():
        if name == "aggregate":
            # The query forms: b (SQL) and c (predict_batch_udf) each, beside the ceiling.
            assert [f["form"] for f in scenario["forms"]] == forms
            expected = {"a"} | {f"{side}_{form}" for side in "bc" for form in forms}
            assert all(
                isinstance(scenario["contenders"][f"b_{form}"]["onnx_eval_in_plan"], bool)
                for form in forms
            )
        else:
            expected = {"a", "b_df", "b_sql", "c", "d"} | ({"e"} if name == "sklearn" else set())
        assert set(scenario["contenders"]) == expected, name
        assert all(c["rows_per_second"] > 0 for c in scenario["contenders"].values()), name
        assert scenario["memory"]["sessions_open"] >= 1, name
    assert all(t["status"] in ("met", "missed") for t in results["targets"])
    report = (tmp_path / "results.md").read_text()
    assert report.startswith("# spark-onnx benchmark results")
    assert "## sklearn:" in report and "JVM RSS growth MB" in report
    assert "## aggregate:" in report and "OnnxEval in b's plan" in report
    assert Image.open(tmp_path / "results.png").size[0] > 400


def test_transfer_learning_demo(tmp_path):
    out = cli("demo", "--transfer", "--images", "160", "--out", str(tmp_path), timeout=600)
    assert "Spark and ONNX Runtime agree." in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.6
    assert Image.open(tmp_path / "transfer_confusion.png").size[0] > 400
