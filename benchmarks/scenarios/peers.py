"""The peers (`run.py --peers`): SynapseML's `ONNXModel` on the mlp and cnn scenarios' models and
inputs, in its own Spark 3.5 process (benchmarks/peers/), beside the same onnxruntime ceiling (a)
measured here. Its outputs on CHECK rows are compared with onnxruntime run here before its
timings count, as every contender's are.

For text, Spark NLP's offline import of a local ONNX encoder is tried (benchmarks/peers/
spark_nlp.py) and its outcome recorded: a figure, or exactly why it cannot run offline."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from benchmarks import harness, udfs
from benchmarks.harness import RssSampler
from benchmarks.peers import environment
from benchmarks.scenarios.cnn import Cnn
from benchmarks.scenarios.common import (
    CHECK_ROWS,
    HEAP_GB,
    QUICK_CHECK_ROWS,
    QUICK_HEAP_GB,
    measure_ceiling,
    require_close,
)
from benchmarks.scenarios.mlp import Mlp
from benchmarks.scenarios.tensor_scenario import TensorScenario

RUNNER = harness.REPO / "benchmarks" / "peers" / "synapseml_runner.py"
SPARK_NLP_RUNNER = harness.REPO / "benchmarks" / "peers" / "spark_nlp_runner.py"
# The text scenario's encoder (bin/setup extracts it) and its tokenizer.
ENCODER = harness.REPO / "models" / "zoo" / "all_minilm_l6_v2.onnx"
ENCODER_TOKENIZER = harness.REPO / "models" / "zoo" / "all_minilm_l6_v2.tokenizer.json"
TEXTS, QUICK_TEXTS = 2_000, 200
# Spark NLP's token vectors are compared with onnxruntime's on this many texts, token by token.
SPARK_NLP_CHECK_TEXTS = 8
COSINE = 0.999
NAME = "peers"
TITLE = "SynapseML ONNXModel (Spark 3.5) on the mlp and cnn scenarios"
SYNAPSEML_KEY = "s"
# Mini-batch sizes tried (each once on SEARCH_ROWS rows); the fastest is timed on every row.
BATCH_SIZES = {"mlp": (64, 512, 4096, 16384), "cnn": (1, 2, 8, 32)}
QUICK_BATCH_SIZES = {"mlp": (512, 4096), "cnn": (1, 8)}
SEARCH_ROWS = {"mlp": (200_000, 50_000), "cnn": (200, 64)}  # (full, quick)


def synapseml(
    scenario: TensorScenario, runs: int, warmups: int, workdir: Path
) -> tuple[dict, np.ndarray, np.ndarray]:
    """SynapseML's timings on `scenario`'s input, and its outputs on the check rows."""
    jars, ort_jar = environment.synapseml_classpath()
    count = QUICK_CHECK_ROWS if scenario.quick else CHECK_ROWS
    check_ids = np.random.default_rng(7).choice(scenario.rows, count, replace=False)
    result_path = workdir / f"synapseml-{scenario.name}.json"
    job = {
        "model": str(scenario.model),
        "parquet": str(scenario.parquet),
        "column": scenario.column,
        "output": "probabilities",
        "shape": list(scenario.row_shape),
        "batch_sizes": list((QUICK_BATCH_SIZES if scenario.quick else BATCH_SIZES)[scenario.name]),
        "search_rows": min(SEARCH_ROWS[scenario.name][scenario.quick], scenario.rows),
        "runs": runs,
        "warmups": warmups,
        "check_ids": [int(i) for i in check_ids],
        "jars": [str(j) for j in jars],
        "ort_jar": str(ort_jar),
        "heap_gb": QUICK_HEAP_GB if scenario.quick else HEAP_GB,
        "result": str(result_path),
    }
    job_path = workdir / f"synapseml-{scenario.name}.job.json"
    job_path.write_text(json.dumps(job))
    print(f"  {SYNAPSEML_KEY}  SynapseML ONNXModel (Spark 3.5) ...", flush=True)
    subprocess.run(
        [str(environment.ensure_venv()), str(RUNNER), str(job_path)],
        check=True,
        env=environment.peer_env(),
    )
    found = json.loads(result_path.read_text())
    ids = np.load(result_path.with_suffix(".ids.npy"))
    outputs = np.load(result_path.with_suffix(".outputs.npy"))
    return found, ids, outputs


def check(scenario: TensorScenario, ids: np.ndarray, outputs: np.ndarray) -> None:
    want = udfs.run_model(str(scenario.model), scenario.x[ids])[0]
    require_close(f"SynapseML on {scenario.name}", outputs, want, atol=scenario.atol)


def record(scenario: TensorScenario, found: dict) -> dict:
    import statistics

    median = statistics.median(found["seconds"])
    return {
        "label": f"SynapseML 1.1.0 ONNXModel, Spark {found['spark']}, mini-batch {found['batch']}",
        "rows": scenario.rows,
        "seconds": found["seconds"],
        "median_seconds": median,
        "rows_per_second": scenario.rows / median,
        "first_row_seconds": found["first_row_seconds"],
        "batch": found["batch"],
        "batch_rows_per_second": found["batch_rows_per_second"],
        "onnxruntime_jar": found["onnxruntime_jar"],
        "rss_peak_mb": {},
        "jvm_sessions_open": None,
        "python_workers": None,
    }


def run_model_case(case: type[TensorScenario], quick: bool, runs: int, warmups: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-peers-{case.name}-") as tmp:
        scenario = case(quick, Path(tmp))
        print(f"[peers] {case.name}: preparing input ...", flush=True)
        scenario.prepare()
        sampler = RssSampler()
        sampler.start()
        try:
            a = measure_ceiling(scenario, runs, warmups, sampler)
        finally:
            sampler.stop()
        found, ids, outputs = synapseml(scenario, runs, warmups, Path(tmp))
        check(scenario, ids, outputs)
        print(f"  {SYNAPSEML_KEY}  outputs on {len(ids)} rows match onnxruntime", flush=True)
        return {
            "scenario": case.name,
            "title": case.title,
            "rows": scenario.rows,
            "runs": runs,
            "warmup_runs": warmups,
            "spark_start_seconds": found["spark_start_seconds"],
            "java": found["java"],
            "contenders": {"a": a.record(), SYNAPSEML_KEY: record(scenario, found)},
        }


def texts(count: int) -> list[str]:
    """Sentences of the standard library's docstrings: English prose, seeded order."""
    import inspect
    import json as json_module
    import pathlib

    words = " ".join(
        inspect.getdoc(m) or "" for m in (json_module, pathlib, inspect, subprocess, tempfile)
    ).split()
    rng = np.random.default_rng(11)
    return [
        " ".join(words[s : s + int(rng.integers(8, 40))])
        for s in rng.integers(0, len(words) - 40, count)
    ]


def spark_nlp(quick: bool, runs: int) -> dict:
    """Spark NLP on the text scenario's encoder, offline: a figure, or why it cannot run."""
    if not ENCODER.exists() or not ENCODER_TOKENIZER.exists():
        return {
            "ok": False,
            "package": environment.SPARK_NLP,
            "attempted": False,
            "step": "find the text scenario's encoder",
            "error": f"{harness.display_path(ENCODER)} is not built (bin/setup extracts it)",
        }
    print(f"  Spark NLP ({environment.SPARK_NLP}) on {ENCODER.name} ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-peers-spark-nlp-") as tmp:
        folder = Path(tmp)
        (folder / "texts.txt").write_text("\n".join(texts(QUICK_TEXTS if quick else TEXTS)))
        job = {
            "onnx": str(ENCODER),
            "tokenizer": str(ENCODER_TOKENIZER),
            "texts": str(folder / "texts.txt"),
            "runs": runs,
            "check_texts": SPARK_NLP_CHECK_TEXTS,
            "jars": [str(j) for j in environment.spark_nlp_classpath()],
            "heap_gb": QUICK_HEAP_GB if quick else HEAP_GB,
            "result": str(folder / "result.json"),
        }
        (folder / "job.json").write_text(json.dumps(job))
        subprocess.run(
            [str(environment.ensure_venv()), str(SPARK_NLP_RUNNER), str(folder / "job.json")],
            check=False,
            env=environment.peer_env(),
        )
        found = json.loads((folder / "result.json").read_text())
    found["package"] = environment.SPARK_NLP
    if found.get("ok"):
        found["check"] = check_spark_nlp(found.pop("check"), texts(QUICK_TEXTS if quick else TEXTS))
    print(f"  Spark NLP: {found.get('step')}: {found.get('error', 'ok')}", flush=True)
    return found


def check_spark_nlp(rows: list[dict], sentences: list[str]) -> dict:
    """Spark NLP's token vectors against onnxruntime's last_hidden_state on the same texts
    tokenized by the encoder's own tokenizer: each Spark NLP token is matched with the word piece
    that starts at its first character; their cosine similarity must reach COSINE."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(ENCODER_TOKENIZER))
    session = udfs.ort_session(str(ENCODER), threads=1)
    cosines: list[float] = []
    for row in rows:
        encoding = tokenizer.encode(sentences[row["id"]])
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        hidden = session.run(None, feed)[0][0]
        starts = {start: i for i, (start, end) in enumerate(encoding.offsets) if end > start}
        for token in row["tokens"]:
            piece = starts.get(token["begin"])
            if piece is None:
                continue
            got, want = np.asarray(token["vector"]), hidden[piece]
            cosines.append(float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want) + 1e-12)))
    agreeing = sum(c >= COSINE for c in cosines)
    return {
        "texts": len(rows),
        "tokens_compared": len(cosines),
        "tokens_agreeing": agreeing,
        "worst_cosine": min(cosines, default=None),
        "median_cosine": float(np.median(cosines)) if cosines else None,
        "cosine_goal": COSINE,
        "passed": bool(cosines) and agreeing == len(cosines),
    }


def run(quick: bool, runs: int, warmups: int) -> dict:
    began = time.perf_counter()
    models = {case.name: run_model_case(case, quick, runs, warmups) for case in (Mlp, Cnn)}
    text = spark_nlp(quick, runs)
    return {
        "scenario": NAME,
        "title": TITLE,
        "rows": sum(m["rows"] for m in models.values()),
        "quick": quick,
        "runs": runs,
        "warmup_runs": warmups,
        "peers": models,
        "spark_nlp": text,
        "onnxruntime_note": (
            f"SynapseML 1.1.0 pins onnxruntime_gpu 1.8.1, which cannot read IR-9 models; it ran "
            f"with {environment.ORT_JAR} first on its classpath and the GPU jar excluded"
        ),
        "machine": harness.machine_info(),
        "wall_seconds": time.perf_counter() - began,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmups", type=int, default=1)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--conf", action="append", default=[])  # run.py passes it to all
    args = parser.parse_args()
    result = run(args.quick, args.runs, args.warmups)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
