"""The benchmark's own arithmetic, without Spark: the scale fit, the peers' and scale targets and
sections of the report, and the profile's frame categories (benchmarks/report.py, scale.py,
task_profile.py). The suite itself runs in test_cli.py (bench --quick)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import report
from benchmarks import task_profile as profile
from benchmarks.scenarios.scale import fit_line


def contender(rows_per_second: float) -> dict:
    return {
        "label": "x",
        "rows": 1000,
        "seconds": [1000 / rows_per_second],
        "median_seconds": 1000 / rows_per_second,
        "rows_per_second": rows_per_second,
        "first_row_seconds": 1.0,
        "rss_peak_mb": {},
        "jvm_sessions_open": None,
        "python_workers": None,
    }


def scenario(name: str, **rates: float) -> dict:
    return {
        "scenario": name,
        "title": name,
        "rows": 1000,
        "runs": 1,
        "warmup_runs": 0,
        "spark_start_seconds": 1.0,
        "jvm_rss_idle_mb": None,
        "ort_sessions_created_in_jvm": 1,
        "contenders": {key: contender(rate) for key, rate in rates.items()},
    }


def peers() -> dict:
    peer = {
        "rows": 1000,
        "contenders": {
            "a": contender(1000.0),
            "s": {**contender(100.0), "batch": 4096, "batch_rows_per_second": {"512": 90.0}},
        },
    }
    return {
        "scenario": "peers",
        "title": "peers",
        "rows": 2000,
        "runs": 1,
        "warmup_runs": 0,
        "peers": {"mlp": peer, "cnn": peer},
        "onnxruntime_note": "ORT 1.29 first",
        "spark_nlp": {"ok": False, "step": "load", "error": "boom", "package": "nlp"},
    }


def scale() -> dict:
    sizes = {
        str(rows): {
            "file_mb": 1.0,
            "read": {"seconds": [rows / 4e6], "rows_per_second": 4e6},
            "b": {"seconds": [0.05 + rows / 1e6], "rows_per_second": rows / (0.05 + rows / 1e6)},
        }
        for rows in (1000, 1_000_000, 4_000_000)
    }
    case = {
        "sizes": sizes,
        "b_fit": fit_line([1_000_000, 4_000_000], [1.05, 4.05]),
        "read_fit": fit_line([1_000_000, 4_000_000], [0.25, 1.0]),
        "fixed_query_seconds": 0.051,
        "a_rows_per_second": 1.2e6,
        "profile": {"file": "f", "runs": 3, "shares": {profile.ROW_CONVERSION: 0.15, "samples": 9}},
    }
    return {
        "scenario": "scale",
        "title": "scale",
        "rows": 10,
        "sizes": [1_000_000, 4_000_000],
        "fixed_rows": 1000,
        "cases": {"mlp": case},
    }


def test_fit_line_recovers_the_marginal_rate_and_the_fixed_cost():
    fit = fit_line([1_000_000, 4_000_000, 16_000_000], [0.05 + r / 2e6 for r in (1e6, 4e6, 16e6)])
    assert fit["marginal_rows_per_second"] == pytest.approx(2e6)
    assert fit["fixed_seconds"] == pytest.approx(0.05)


def test_targets_judge_spark_onnx_against_synapseml_and_scale():
    scenarios = {
        "mlp": scenario("mlp", a=1000.0, b_df=900.0, c=100.0),
        "peers": peers(),
        "scale": scale(),
    }
    targets = {(t["scenario"], t["ratio"]): t for t in report.evaluate(scenarios)}
    assert targets[("mlp", "b/SynapseML")]["value"] == pytest.approx(9.0)
    assert targets[("mlp", "b/SynapseML")]["status"] == "met"
    # cnn's own scenario did not run: no b to compare, so no target.
    assert ("cnn", "b/SynapseML") not in targets
    marginal = targets[("scale mlp", "marginal b/a")]
    assert marginal["value"] == pytest.approx(1e6 / 1.2e6)
    assert marginal["status"] == "missed"
    assert targets[("scale mlp", "fixed s per query")]["status"] == "met"


def test_a_negative_fixed_cost_from_a_noisy_fit_does_not_meet_the_target():
    noisy = scale()
    noisy["cases"]["mlp"]["b_fit"] = {"marginal_rows_per_second": 1e6, "fixed_seconds": -0.17}
    noisy["cases"]["mlp"]["fixed_query_seconds"] = 0.367
    targets = {(t["scenario"], t["ratio"]): t for t in report.evaluate({"scale": noisy})}
    fixed = targets[("scale mlp", "fixed s per query")]
    assert fixed["value"] == pytest.approx(0.367)
    assert fixed["status"] == "missed"


def test_best_python_target_takes_the_fastest_python_contender():
    images = scenario("images", a=100.0, b_df=130.0, c=90.0, d=100.0)
    evaluated = report.evaluate({"images": images})
    targets = {t["ratio"]: t for t in evaluated if t["scenario"] == "images"}
    assert targets["b/best Python"]["value"] == pytest.approx(1.3)
    assert targets["b/best Python"]["status"] == "met"
    assert targets["b/a"]["status"] == "met"


def test_markdown_shows_synapseml_beside_spark_onnx_and_the_scale_tables(tmp_path):
    scenarios = {"mlp": scenario("mlp", a=1000.0, b_df=900.0), "peers": peers(), "scale": scale()}
    full = report.combine(scenarios, quick=True, suite_seconds=1.0)
    written = report.write(tmp_path, full)
    text = (tmp_path / "results.md").read_text()
    assert "| s SynapseML ONNXModel (Spark 3.5) | 100 |" in text
    assert "## peers:" in text and "ORT 1.29 first" in text and "`boom`" in text
    assert "## scale:" in text and "b marginal / a" in text
    assert "row conversion takes 15.0%" in text
    assert tmp_path / "results.png" in written


@pytest.mark.parametrize(
    "frames,expected",
    [
        (["ai.onnxruntime.OrtSession.run", "sparkonnx.tensor.BatchScorer.run"], 0),
        (
            [
                "org.apache.spark.unsafe.Platform.copyMemory",
                "sparkonnx.tensor.DirectBuffer.copyFrom",
            ],
            1,
        ),
        (
            [
                "org.apache.spark.sql.vectorized.ColumnarArray.getFloat",
                "org.apache.spark.sql.catalyst.expressions.GeneratedClass$GeneratedIteratorForCodegenStage1.processNext",
                "sparkonnx.sql.execution.OnnxBatchIterator.fill",
            ],
            5,
        ),
        (
            [
                "org.apache.spark.sql.catalyst.expressions.GeneratedClass$SpecificUnsafeProjection.apply",
                "sparkonnx.sql.execution.OnnxBatchIterator.next",
            ],
            3,
        ),
        (["org.apache.parquet.column.values.Reader.read", "sparkonnx.x"], 4),
        (["java.lang.Thread.run"], 7),
    ],
)
def test_profile_puts_a_sample_in_its_innermost_meaningful_frame(frames, expected):
    assert profile.category(frames) == profile.CATEGORIES[expected][0]


def test_a_missed_target_carries_its_cause_and_a_met_one_none(tmp_path):
    scenarios = {
        "images": scenario("images", a=100.0, b_df=90.0, c=80.0),
        "mlp": scenario("mlp", a=1000.0, b_df=900.0, c=100.0),
        "scale": scale(),
    }
    scenarios["images"]["cpu_stolen_percent"] = 1.5
    targets = {(t["scenario"], t["ratio"]): t for t in report.evaluate(scenarios)}
    assert "libjpeg" in report.why_missed(targets[("images", "b/a")])
    assert report.why_missed(targets[("mlp", "b/a")]) == ""  # met
    assert "Parquet" in report.why_missed(targets[("scale mlp", "marginal b/a")])
    unexplained = {**targets[("mlp", "b/c")], "status": "missed"}
    assert report.why_missed(unexplained) == report.NO_KNOWN_CAUSE
    full = report.combine(scenarios, quick=True, suite_seconds=1.0)
    report.write(tmp_path, full)
    text = (tmp_path / "results.md").read_text()
    assert "| images: b/a | 0.900 | >= 1.1 | missed | MobileNetV2 is" in text
    assert "| mlp: b/a | 0.900 | >= 0.8 | met |  |" in text
    assert "| images | – | 1.5 |" in text
