"""Every `spark-onnx` command, run as a subprocess the way a user runs it (the table of bad
arguments after its first case in this process: each case is checked before Spark, in a second)."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pandas as pd
from PIL import Image
from skimage import data as photos

import spark_onnx
from conftest import DIGITS, ROOT
from spark_onnx.cli import main as cli_main


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spark_onnx.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def cli(*args: str, timeout: int = 300) -> str:
    done = run_cli(*args, timeout=timeout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def digits_csv(path, pixels) -> None:
    """The digits as a 64-column CSV (p0..p63) with an id and a text column around them."""
    frame = pd.DataFrame(pixels, columns=[f"p{i}" for i in range(64)])
    frame.insert(0, "id", range(len(frame)))
    frame["note"] = "row"
    frame.to_csv(path, index=False)


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


def test_predict_packs_csv_columns_with_progress(tmp_path, digits_test, digits_direct):
    # 64 numeric CSV columns packed into the model's one float[64] input by a range.
    digits_csv(tmp_path / "in.csv", digits_test[0])
    done = run_cli(
        "predict",
        "--model",
        str(DIGITS),
        "--input",
        str(tmp_path / "in.csv"),
        "--output",
        str(tmp_path / "out"),
        "--columns",
        "p0:p63",
        "--progress-every",
        "0.2",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    # Start-up is reported apart; the rate is the scoring's alone.
    assert re.search(r"^Spark started in [0-9.]+ s \(local\[2\]\)$", done.stderr, re.MULTILINE)
    assert "Spark start-up excluded" in done.stdout
    rows = len(digits_direct)
    progress = re.findall(
        r"^progress: ([0-9,]+) / ~([0-9,]+) rows, [0-9,]+ rows/s, ETA", done.stderr, re.MULTILINE
    )
    assert progress, done.stderr
    estimated = int(progress[0][1].replace(",", ""))
    assert abs(estimated - rows) < rows * 0.2  # the CSV's row count estimated from its size
    assert all(int(p[0].replace(",", "")) <= rows for p in progress)
    # Quiet: nothing from Spark's logging below ERROR, no stack trace.
    assert " WARN " not in done.stderr and "Setting default log level" not in done.stderr
    assert "\tat org." not in done.stderr
    result = pd.read_parquet(tmp_path / "out").sort_values("id")
    assert list(result.columns[:2]) == ["id", "p0"] and result.columns[-1] == "prediction"
    np.testing.assert_allclose(np.stack(result.prediction.to_numpy()), digits_direct, atol=1e-6)


def test_predict_an_image_folder_with_a_zoo_name_prints_labels(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photos.chelsea()).save(folder / "cat.png")
    Image.fromarray(photos.coffee()).save(folder / "coffee.jpg")
    (folder / "notes.txt").write_text("not an image, filtered out")
    out = cli(
        "predict",
        "--model",
        "mobilenet_v2",
        "--input",
        str(folder),
        "--output",
        str(tmp_path / "out"),
        "--top-k",
        "3",
    )
    result = pd.read_parquet(tmp_path / "out")
    labels = (ROOT / "models" / "zoo" / "imagenet_labels.txt").read_text().splitlines()
    top = {
        path.rsplit("/", 1)[-1]: labels[int(np.argmax(p))]
        for path, p in zip(result.path, result.prediction)
    }
    assert top == {"cat.png": "Egyptian cat", "coffee.jpg": "espresso"}
    # The zoo classifier's labels: a top_k column, and the best labels printed per file.
    for path, probabilities, best in zip(result.path, result.prediction, result.top_k):
        assert len(best) == 3
        assert best[0]["label"] == top[path.rsplit("/", 1)[-1]]
        assert best[0]["probability"] == np.float32(np.max(probabilities))
    assert re.search(r"^  cat\.png: Egyptian cat 0\.\d{3}, ", out, re.MULTILINE), out
    assert re.search(r"^  coffee\.jpg: espresso 0\.\d{3}, ", out, re.MULTILINE), out


# Bad arguments and files: one line on stderr, exit status 2, long before Spark could start.
BAD_ARGUMENTS = [
    (["--model", "nope.onnx"], "--model nope.onnx: no such file, and no zoo model of that name"),
    (["--model", "mobilenet_v3"], "zoo models: efficientnet_lite0, efficientnet_lite0_features"),
    (["--input", "missing.csv"], "--input missing.csv: no such file or folder"),
    (["--columns", "p0:p64"], "--columns 'p0:p64': no column p64 in the input"),
    (["--columns", "p0:p62"], "63 columns for input pixels: float[?,64], which takes 64 values"),
    (["--columns", "p0:p62,note"], "'note' is not numeric (text)"),
    (["--columns", "p0:"], "'p0:' is not a range (write first:last, e.g. p0:p63)"),
    (["--columns", "p0,,p1"], "an empty name"),
    (["--columns", "p0:p31", "--columns", "p32:p63"], "2 column group(s) for 1 model input(s)"),
    ([], "no column pixels in in.csv: name the columns"),
    (["--labels", "missing.txt"], "--labels missing.txt: no such file"),
    (["--labels", "three.txt"], "3 labels for an output of 10 classes"),
    (["--batch-size", "0"], "--batch-size 0: must be at least 1"),
    (["--output", "in.csv"], "--output in.csv: would overwrite the input in.csv"),
]


def test_bad_arguments_fail_fast_with_one_line(tmp_path, digits_test, monkeypatch, capsys):
    digits_csv(tmp_path / "in.csv", digits_test[0][:20])
    (tmp_path / "three.txt").write_text("a\nb\nc\n")
    monkeypatch.chdir(tmp_path)

    def spark_starts(*args, **kwargs):
        raise AssertionError("Spark started before the arguments were checked")

    # In this process (a second apiece saved) every check must come before Spark starts.
    monkeypatch.setattr(spark_onnx, "session", spark_starts)
    for number, (extra, message) in enumerate(BAD_ARGUMENTS):
        args = {"--model": str(DIGITS), "--input": "in.csv", "--output": "out"}
        pairs = [extra[i : i + 2] for i in range(0, len(extra), 2)]
        args.update({k: v for k, v in pairs if k in args})
        command = ["predict", *[x for kv in args.items() for x in kv]]
        command += [x for k, v in pairs if k not in args for x in (k, v)]
        if number == 0:
            # The first as a user meets it: a process of its own. Before Spark: predict prints
            # "Spark started in ..." on stderr as soon as it has started, so a single line proves
            # the check came first (about 1 s, against 10-20 s for Spark alone).
            done = subprocess.run(
                [sys.executable, "-m", "spark_onnx.cli", *command],
                capture_output=True,
                text=True,
                timeout=120,  # catches a hang only
                cwd=tmp_path,
                check=False,
            )
            status, stderr = done.returncode, done.stderr
        else:
            status, stderr = cli_main(command), capsys.readouterr().err
        assert status == 2, (extra, stderr)
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("spark-onnx predict: "), (extra, lines)
        assert message in lines[0], (extra, lines[0])
        assert not (tmp_path / "out").exists()
        assert (tmp_path / "in.csv").exists()


def test_debug_shows_the_traceback_and_runtime_errors_are_one_line(tmp_path):
    done = run_cli("predict", "--model", "nope.onnx", "--input", "x", "--output", "y", "--debug")
    assert done.returncode != 0 and "Traceback (most recent call last)" in done.stderr
    assert "UsageError: --model nope.onnx" in done.stderr
    # A failure after the argument checks (here: a file that is no model): exit 1, one line.
    (tmp_path / "model.onnx").write_text("not a model")
    done = run_cli("inspect", str(tmp_path / "model.onnx"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"spark-onnx inspect: {tmp_path / 'model.onnx'} is not a valid ONNX model: "
        + done.stderr.split("is not a valid ONNX model: ")[1].splitlines()[0]
    ]
    assert "(--debug shows the traceback)" in done.stderr and "Traceback" not in done.stderr


def test_bench_quick_writes_a_valid_report(tmp_path):
    # Every scenario, small: CI checks the suite runs and writes its files, not the speeds.
    cli("bench", "--quick", "--out", str(tmp_path), timeout=900)
    results = json.loads((tmp_path / "results.json").read_text())
    assert list(results["scenarios"]) == ["mlp", "cnn", "images", "sklearn", "aggregate", "text"]
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
            # Text: b without length sorting, and a pandas UDF that sorts each Arrow batch.
            expected |= {"b_unsorted", "d_sorted"} if name == "text" else set()
        assert set(scenario["contenders"]) == expected, name
        assert all(c["rows_per_second"] > 0 for c in scenario["contenders"].values()), name
        assert scenario["memory"]["sessions_open"] >= 1, name
    assert all(t["status"] in ("met", "missed") for t in results["targets"])
    report = (tmp_path / "results.md").read_text()
    assert report.startswith("# spark-onnx benchmark results")
    assert "## sklearn:" in report and "JVM RSS growth MB" in report
    assert "## aggregate:" in report and "OnnxEval in b's plan" in report
    assert Image.open(tmp_path / "results.png").size[0] > 400


def test_column_ranges():
    from spark_onnx.commands.columns import parse

    header = ["id", "b", "x10", "a", "x9", "x11", "name"]
    # Numbered ends: the numbers in between, whatever the file's order.
    assert parse(["x9:x11"], header) == [["x9", "x10", "x11"]]
    assert parse(["x11:x9"], header) == [["x11", "x10", "x9"]]
    # Other names: every column from one end to the other in the file's order.
    assert parse(["b:a", "name"], header) == [["b", "x10", "a"], ["name"]]
    assert parse(["id,a:x9"], header) == [["id", "a", "x9"]]
