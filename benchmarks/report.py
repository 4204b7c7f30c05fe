"""Turns the scenarios' results into the report: results.json, results.md, results.png."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SHORT_NAMES = {
    "a": "a onnxruntime (ceiling)",
    "b_df": "b spark-onnx, DataFrame",
    "b_sql": "b spark-onnx, SQL",
    "c": "c predict_batch_udf",
    "d": "d pandas UDF",
    "e": "e sklearn in pandas UDF",
    "b_unsorted": "b spark-onnx, no length sorting",
    "d_sorted": "d pandas UDF, sorted by length",
    "s": "s SynapseML ONNXModel (Spark 3.5)",
}
PYTHON_CONTENDERS = ("c", "d", "d_sorted", "e")
# The DataFrame form stands for spark-onnx (b); the SQL form plans identically.
OURS = "b_df"


@dataclass(frozen=True)
class Target:
    scenario: str
    ratio: str
    over: str
    goal: float


# `over`: a contender's key, or BEST_PYTHON (the fastest of c, d, e in that scenario).
BEST_PYTHON = "best Python"
TARGETS = (
    Target("mlp", "b/a", "a", 0.8),
    Target("mlp", "b/c", "c", 3.0),
    Target("cnn", "b/a", "a", 0.95),
    Target("images", "b/a", "a", 1.1),
    Target("images", "b/c", "c", 2.0),
    Target("images", f"b/{BEST_PYTHON}", BEST_PYTHON, 1.3),
    Target("sklearn", "b/e", "e", 2.0),
    Target("text", "b/a", "a", 0.85),
    Target("text", f"b/{BEST_PYTHON}", BEST_PYTHON, 1.5),
)
# The peers: spark-onnx's b in a scenario against SynapseML's rows/s on the same model and input.
PEER_SCENARIOS = ("mlp", "cnn")
PEER_KEY = "s"
VS_PEER = 1.0
# Scale: the marginal rate against the onnxruntime ceiling, and the fixed cost per query.
SCALE_MARGINAL = 0.9
SCALE_FIXED_SECONDS = 0.1
# Query-shape scenarios (aggregate): results with "forms", each form a b and a c contender.
# Every form but the projection should run as fast as the projection, give or take
# the aggregate's own work, and keep spark-onnx's lead over predict_batch_udf.
PROJECTION_FORM = "projection"
FORM_VS_PROJECTION = 0.85
FORM_VS_C = 3.0
ONNX_EVAL = "OnnxEval in b's plan"

# What keeps each target out of reach when a record misses it (measured causes: benchmarks/README
# says how). Keyed by (scenario, ratio); a query-shape form's ratio by its suffix, scale's by its
# ratio. A miss with no known cause says so rather than staying blank.
WHY_MISSED = {
    ("mlp", "b/a"): "b pays Spark's fixed cost per query and reads each cached row into a "
    "tensor; a scores numpy arrays already in memory",
    ("cnn", "b/a"): "b reads each 600 KB row out of Spark's cache and copies it into a tensor; "
    "a passes numpy arrays already in memory",
    ("images", "b/a"): "MobileNetV2 is ~60 % of a photo's time in both; b decodes with the JDK's "
    "JPEG decoder (libjpeg 6b, no SIMD) and reads every file through Spark, a decodes with PIL's "
    "libjpeg-turbo from bytes in memory; DCT-scaled decoding needs a source twice the resize "
    "target (these photos' shorter sides are 240-480 for 256)",
    ("images", "b/c"): "c runs the same model, which alone is over half of c's time per photo: "
    "2x c would need b to decode and preprocess in no time",
    ("images", f"b/{BEST_PYTHON}"): "as b/a: the model is the larger part of both, and PIL "
    "(libjpeg-turbo) decodes faster than the JDK",
    ("text", f"b/{BEST_PYTHON}"): "the best Python contender sorts each Arrow batch by length as "
    "spark-onnx does; both then spend most of their time in the same ONNX Runtime kernels",
    ("scale", "marginal b/a"): "b reads and decodes the Parquet file (its share of b's task time: "
    "the profile below); a scores rows already in memory",
    ("scale", "fixed s per query"): "reading the input column alone (the read rows below) costs "
    "more than 0.1 s per query: Spark's planning, file listing and task start, which any query "
    "over a file pays",
    ("aggregate", "b/b projection"): "the aggregate's or sort's own work over every row, which "
    "the projection does not do",
}
NO_KNOWN_CAUSE = "no known cause: see the scenario's section"


def why_missed(t: dict) -> str:
    """The recorded cause of a missed target; empty for any other status."""
    if t["status"] != "missed":
        return ""
    scenario, ratio_ = t["scenario"], t["ratio"]
    for key in (
        (scenario, ratio_),
        (scenario.split(" ")[0], ratio_),
        (scenario, " ".join(ratio_.split(" ")[1:])),
    ):
        if key in WHY_MISSED:
            return WHY_MISSED[key]
    return NO_KNOWN_CAUSE


def kind(key: str) -> str:
    """The contender a key belongs to: b_df, b_sql, b_sum ... are all b."""
    return key.split("_")[0]


def rate(result: dict, key: str) -> float | None:
    if key == BEST_PYTHON:
        return best_python(result)
    contender = result.get("contenders", {}).get(key)
    return contender["rows_per_second"] if contender else None


def flat_contenders(result: dict) -> dict[str, dict]:
    """Every contender of a result, by key: the peers' under "<scenario> <key>"; scale has
    none (its figures are per size)."""
    if "peers" in result:
        return {
            f"{name} {key}": c
            for name, peer in result["peers"].items()
            for key, c in peer["contenders"].items()
        }
    return result.get("contenders", {})


def peer(scenarios: dict[str, dict], name: str) -> dict | None:
    """SynapseML's contender on scenario `name`, if the peers ran."""
    found = scenarios.get("peers", {}).get("peers", {}).get(name)
    return found["contenders"].get(PEER_KEY) if found else None


def ratio(ours: float | None, other: float | None) -> float | None:
    return ours / other if ours and other else None


def forms(result: dict) -> list[dict]:
    return result.get("forms") or []


def in_plan(result: dict, key: str) -> bool | None:
    contender = result["contenders"].get(key)
    return contender.get("onnx_eval_in_plan") if contender else None


def best_python(result: dict) -> float | None:
    rates = [r for key in PYTHON_CONTENDERS if (r := rate(result, key)) is not None]
    return max(rates) if rates else None


def judged(scenario: str, target: str, value: float | None, comparison: str, goal: float) -> dict:
    meets = (
        {">=": value >= goal, "<=": value <= goal, "==": value == goal} if value is not None else {}
    )
    return {
        "scenario": scenario,
        "ratio": target,
        "comparison": comparison,
        "goal": goal,
        "value": value,
        "status": "not run" if value is None else "met" if meets[comparison] else "missed",
    }


def evaluate(scenarios: dict[str, dict]) -> list[dict[str, object]]:
    found = []
    for t in TARGETS:
        result = scenarios.get(t.scenario)
        ours = rate(result, OURS) if result else None
        other = rate(result, t.over) if result else None
        found.append(judged(t.scenario, t.ratio, ratio(ours, other), ">=", t.goal))
    for name in PEER_SCENARIOS:
        theirs = peer(scenarios, name)
        if theirs and name in scenarios:
            ours = rate(scenarios[name], OURS)
            found.append(
                judged(name, "b/SynapseML", ratio(ours, theirs["rows_per_second"]), ">=", VS_PEER)
            )
    for name, result in scenarios.items():
        found += form_targets(name, result)
    found += scale_targets(scenarios.get("scale"))
    for name, result in scenarios.items():
        memory = result.get("memory")
        if not memory:
            continue
        found.append(
            judged(name, "JVM RSS growth MB", memory["growth_mb"], "<=", memory["allowance_mb"])
        )
        open_ = memory["sessions_open"]
        per_model = None if open_ is None else open_ / memory["models"]
        found.append(judged(name, "ORT sessions per model", per_model, "==", 1))
    return found


def scale_targets(result: dict | None) -> list[dict]:
    """Per model at scale: the marginal rate against its ceiling, the fixed cost per query."""
    if not result:
        return []
    found = []
    for name, case in result["cases"].items():
        fit = case["b_fit"]
        marginal = ratio(fit["marginal_rows_per_second"], case["a_rows_per_second"])
        found.append(judged(f"scale {name}", "marginal b/a", marginal, ">=", SCALE_MARGINAL))
        # The larger of the fit's intercept and a whole query over the 1,000-row file: on a noisy
        # machine the intercept can come out near zero or negative, which must not pass.
        fixed = max(fit["fixed_seconds"], case["fixed_query_seconds"])
        found.append(judged(f"scale {name}", "fixed s per query", fixed, "<=", SCALE_FIXED_SECONDS))
    return found


def form_targets(name: str, result: dict) -> list[dict]:
    """Each non-projection form of a query-shape scenario: b against the projection's b, b
    against c in the same query, and whether b's plan batches the calls (OnnxEval)."""
    by_name = {f["form"]: f for f in forms(result)}
    projection = by_name.get(PROJECTION_FORM)
    if projection is None:
        return []
    base = rate(result, projection["b"])
    found = []
    for f in by_name.values():
        if f is projection:
            continue
        b = rate(result, f["b"])
        found.append(
            judged(name, f"{f['form']} b/b projection", ratio(b, base), ">=", FORM_VS_PROJECTION)
        )
        found.append(
            judged(name, f"{f['form']} b/c", ratio(b, rate(result, f["c"])), ">=", FORM_VS_C)
        )
        planned = in_plan(result, f["b"])
        found.append(
            judged(
                name, f"{f['form']} {ONNX_EVAL}", None if planned is None else int(planned), "==", 1
            )
        )
    return found


def combine(scenarios: dict[str, dict], quick: bool, suite_seconds: float) -> dict[str, object]:
    latest = max(scenarios.values(), key=lambda r: r.get("finished", ""), default={})
    return {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "suite_seconds": round(suite_seconds, 1),
        "machine": latest.get("machine", {}),
        "targets": evaluate(scenarios),
        "scenarios": scenarios,
    }


# --- markdown ----------------------------------------------------------------------------------


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], text_last: bool = False) -> str:
    # The first column names things; the others hold figures, so they align right, except a last
    # column of prose.
    figures = len(header) - 1 - int(text_last)
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * figures + "---|" * text_last]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def fmt(value: float | None, pattern: str) -> str:
    return "–" if value is None else format(value, pattern)


CONTENDER_HEADER = (
    "contender",
    "rows/s",
    "vs a",
    "vs best Python",
    "first row s",
    "JVM native MB",
    "Python workers RSS MB",
    "ORT sessions",
)


def sessions(key: str, c: dict) -> int | None:
    """ORT sessions the contender holds: spark-onnx's in the JVM, one per Python worker for
    the onnxruntime UDFs (each worker caches its own), one for the ceiling."""
    if key == "a":
        return 1
    if kind(key) == "b":
        return c.get("jvm_sessions_open")
    return c.get("python_workers") if kind(key) in ("c", "d") else None


def contender_rows(result: dict) -> list[tuple[str, ...]]:
    ceiling, python = rate(result, "a"), best_python(result)
    start = result.get("jvm_rss_idle_mb")
    rows = []
    for key, c in result["contenders"].items():
        rss = c["rss_peak_mb"]
        # The heap is touched at start-up, so growth above it is native memory.
        jvm = rss["jvm"] - start if key != "a" and "jvm" in rss and start else None
        workers = rss.get("python_workers") if kind(key) in PYTHON_CONTENDERS else None
        held = sessions(key, c)
        rows.append(
            (
                f"{key.split('_')[0]}: {c['label']}",
                fmt(c["rows_per_second"], ",.0f"),
                fmt(c["rows_per_second"] / ceiling if ceiling else None, ".2f"),
                fmt(c["rows_per_second"] / python if python else None, ".2f"),
                fmt(c["first_row_seconds"], ".2f"),
                fmt(jvm, ",.0f"),
                fmt(workers, ",.0f"),
                "–" if held is None else str(held),
            )
        )
    return rows


def target_value(t: dict) -> str:
    if t["value"] is not None and ONNX_EVAL in t["ratio"]:
        return "yes" if t["value"] else "no"
    return fmt(t["value"], ".1f" if "MB" in t["ratio"] else ".3f")


def peers_section(report: dict, result: dict) -> str:
    """SynapseML beside the same ceiling and spark-onnx's b on each model."""
    rows = []
    for name, found in result["peers"].items():
        theirs = found["contenders"][PEER_KEY]
        ceiling = found["contenders"]["a"]["rows_per_second"]
        ours = rate(report["scenarios"][name], OURS) if name in report["scenarios"] else None
        tried = ", ".join(
            f"{b}: {r:,.0f}" for b, r in theirs.get("batch_rows_per_second", {}).items()
        )
        rows.append(
            (
                f"{name} ({found['rows']:,} rows)",
                fmt(ceiling, ",.0f"),
                fmt(theirs["rows_per_second"], ",.0f"),
                fmt(theirs["rows_per_second"] / ceiling, ".2f"),
                fmt(ours, ",.0f"),
                fmt(ratio(ours, theirs["rows_per_second"]), ".2f"),
                str(theirs.get("batch")),
                tried,
                fmt(theirs["first_row_seconds"], ".2f"),
            )
        )
    header = (
        "scenario",
        "a onnxruntime rows/s",
        "SynapseML rows/s",
        "SynapseML vs a",
        "spark-onnx b rows/s",
        "b / SynapseML",
        "best mini-batch",
        "mini-batches tried (rows/s)",
        "first row s",
    )
    return "\n\n".join(
        [
            f"## peers: {result['title']}",
            (
                f"Median of {result['runs']} timed run(s) after {result['warmup_runs']} warm-up, "
                "same input as the scenario (Parquet, 2 partitions, cached), outputs on the check "
                "rows equal to onnxruntime's. a is measured again in the peers' process, beside "
                f"them; b comes from the scenario's own run. {result['onnxruntime_note']}."
            ),
            table(header, rows),
            spark_nlp_note(result.get("spark_nlp")),
        ]
    )


def spark_nlp_note(found: dict | None) -> str:
    """What happened to Spark NLP on the text scenario's encoder, in one paragraph."""
    if not found:
        return "Spark NLP: not attempted."
    package = found.get("package", "Spark NLP")
    if found.get("ok"):
        rate = found["rows"] / sorted(found["seconds"])[len(found["seconds"]) // 2]
        check = found.get("check", {})
        verdict = (
            "its token vectors equal onnxruntime's"
            if check.get("passed")
            else "its token vectors do NOT all match onnxruntime's, so this is no checked figure"
        )
        return (
            f"Spark NLP ({package}, without the three engines that are not on Maven Central) "
            "imported the text scenario's ONNX encoder offline (BertEmbeddings.loadSavedModel) "
            f"and embedded {found['rows']:,} texts at {rate:,.0f} texts/s "
            "(DocumentAssembler, Tokenizer, BertEmbeddings through the noop sink); "
            f"{verdict}: {check.get('tokens_agreeing')} of {check.get('tokens_compared')} tokens "
            f"of {check.get('texts')} texts at cosine >= {check.get('cosine_goal')} (median "
            f"{fmt(check.get('median_cosine'), '.4f')}, worst "
            f"{fmt(check.get('worst_cosine'), '.4f')}), each token against the word piece that "
            "starts at its first character."
        )
    error = " ".join(str(found.get("error", "")).split())
    if found.get("attempted") is False:
        return f"Spark NLP ({package}): not run here: {error}."
    return (
        f'Spark NLP ({package}) did not run offline: at step "{found.get("step")}" it '
        f"failed with `{error[:600]}`."
    )


def scale_section(result: dict) -> str:
    sizes, fits = [], []
    for name, case in result["cases"].items():
        ceiling = case["a_rows_per_second"]
        for size, entry in case["sizes"].items():
            b = entry["b"]["rows_per_second"]
            b_rows = entry.get("b_rows", {}).get("rows_per_second")
            sizes.append(
                (
                    f"{name}: {int(size):,} rows ({entry['file_mb']:,.0f} MB)",
                    fmt(entry["read"]["rows_per_second"], ",.0f"),
                    fmt(b, ",.0f"),
                    fmt(b / ceiling, ".2f"),
                    fmt(b_rows, ",.0f"),
                    fmt(ratio(b, b_rows), ".2f"),
                )
            )
        b_fit, read_fit = case["b_fit"], case["read_fit"]
        rows_fit = case.get("b_rows_fit", {})
        fits.append(
            (
                name,
                fmt(ceiling, ",.0f"),
                fmt(b_fit["marginal_rows_per_second"], ",.0f"),
                fmt(ratio(b_fit["marginal_rows_per_second"], ceiling), ".2f"),
                fmt(b_fit["fixed_seconds"] * 1000, ",.0f"),
                fmt(case["fixed_query_seconds"] * 1000, ",.0f"),
                fmt(rows_fit.get("marginal_rows_per_second"), ",.0f"),
                fmt(ratio(rows_fit.get("marginal_rows_per_second"), ceiling), ".2f"),
                fmt(read_fit["marginal_rows_per_second"], ",.0f"),
                fmt(read_fit["fixed_seconds"] * 1000, ",.0f"),
            )
        )
    fit_header = (
        "model",
        "a rows/s (in memory)",
        "b marginal rows/s",
        "b marginal / a",
        "b fixed ms (fit)",
        f"b ms over {result['fixed_rows']:,} rows",
        "b through rows: marginal rows/s",
        "b through rows: marginal / a",
        "read marginal rows/s",
        "read fixed ms (fit)",
    )
    return "\n\n".join(
        [
            f"## scale: {result['title']}",
            (
                "Every run reads the Parquet file anew (no cache). read: the input column alone "
                "through the noop sink; b: onnx_predict over it, reading the column batches in "
                "place (the columnar input path); b through rows: the same with "
                "spark.onnx.columnarInput=false (Spark converts the column vectors into rows "
                "first: the path before the columnar input); a: onnxruntime on rows already "
                "in memory (the scenario's ceiling). The fit is a least-squares line seconds = "
                "fixed + rows / marginal through the sizes "
                f"({', '.join(f'{s:,}' for s in result['sizes'])} rows); a whole query over a "
                f"{result['fixed_rows']:,}-row file measures the fixed cost directly."
            ),
            table(
                (
                    "input",
                    "read rows/s",
                    "b rows/s",
                    "b / a",
                    "b through rows rows/s",
                    "b / b through rows",
                ),
                sizes,
            ),
            table(fit_header, fits),
            *profile_parts(result),
        ]
    )


# A columnar input path is worth building when the row conversion it removes takes this share.
COLUMNAR_WORTH = 0.10


def profile_parts(result: dict) -> list[str]:
    """The Parquet path's profile per model, through rows and reading the column batches in
    place: what the columnar input path saves."""
    from benchmarks import task_profile as profile

    cases = {}
    for name, case in result["cases"].items():
        for key, label in (("profile_rows", "through rows"), ("profile", "columnar input")):
            if case.get(key):
                cases[f"{name}, {label}"] = case[key]
    if not cases:
        return []
    names = [name for name, _ in profile.CATEGORIES]
    rows = [
        (name, *(fmt(p["shares"].get(name, 0) * 100, ".1f") for p in cases.values()))
        for name in names
    ]
    rows.append(("Java samples", *(str(p["shares"].get("samples", 0)) for p in cases.values())))
    header = ("task threads' time, %", *(f"{n} ({p['file']})" for n, p in cases.items()))
    verdicts = []
    for name, case in result["cases"].items():
        before = case.get("profile_rows") or case.get("profile")
        share = before["shares"].get(profile.ROW_CONVERSION, 0) if before else 0
        verdict = f"{name}: through rows, the row conversion takes {share:.1%} of b's task time"
        verdict += (
            " (at least the 10 % a columnar input path must save to be built)"
            if share >= COLUMNAR_WORTH
            else " (under the 10 % a columnar input path would have to save)"
        )
        if case.get("profile_rows"):
            after = case["profile"]["shares"].get(profile.ROW_CONVERSION, 0)
            gain = ratio(
                case["b_fit"]["marginal_rows_per_second"],
                case["b_rows_fit"]["marginal_rows_per_second"],
            )
            verdict += (
                f"; reading the column batches in place it takes {after:.1%}, and the marginal "
                f"rate is {fmt(gain, '.2f')}x the path through rows"
            )
        verdicts.append(verdict)
    return [
        (
            "Profile of b on the Parquet path: ONNX Runtime's share from OnnxEval's own metric "
            "(time in ONNX Runtime over the task threads' time, wall x cores); the rest split by "
            "Java Flight Recorder's execution samples of the task threads every 10 ms, each in "
            "the category of its innermost frame that is not a copy, column-vector accessor or "
            "JDK frame (native time is not sampled):"
        ),
        table(header, rows),
        "; ".join(verdicts) + ".",
    ]


def target_rows(targets: list[dict]) -> list[tuple[str, ...]]:
    return [
        (
            f"{t['scenario']}: {t['ratio']}",
            target_value(t),
            f"{t.get('comparison', '>=')} {t['goal']:g}",
            t["status"],
            why_missed(t),
        )
        for t in targets
    ]


def contender_scenarios(report: dict) -> list[dict]:
    """The scenarios whose contenders are a, b_df, b_sql, c, d, e (not the query shapes, the
    peers or scale)."""
    return [r for r in report["scenarios"].values() if "contenders" in r and not forms(r)]


def scenario_rate(report: dict, result: dict, key: str) -> float | None:
    """rows/s of `key` in a scenario; SynapseML's comes from the peers' results."""
    if key == PEER_KEY:
        theirs = peer(report["scenarios"], result["scenario"])
        return theirs["rows_per_second"] if theirs else None
    return rate(result, key)


def form_rows(result: dict) -> list[tuple[str, ...]]:
    by_name = {f["form"]: f for f in forms(result)}
    base = rate(result, by_name[PROJECTION_FORM]["b"]) if PROJECTION_FORM in by_name else None
    rows = []
    for f in by_name.values():
        b, c, planned = rate(result, f["b"]), rate(result, f["c"]), in_plan(result, f["b"])
        rows.append(
            (
                f"{f['form']}: `{f['sql']}`",
                fmt(b, ",.0f"),
                fmt(c, ",.0f"),
                fmt(ratio(b, base), ".2f"),
                fmt(ratio(b, c), ".2f"),
                "–" if planned is None else "yes" if planned else "no",
            )
        )
    return rows


FORM_HEADER = ("form: b's query", "b rows/s", "c rows/s", "b/b projection", "b/c", ONNX_EVAL)


def overview(report: dict) -> str:
    """rows/s of every contender (rows) in every scenario (columns)."""
    scenarios = contender_scenarios(report)
    rows = []
    for key, name in SHORT_NAMES.items():
        if any(scenario_rate(report, r, key) for r in scenarios):
            rows.append((name, *(fmt(scenario_rate(report, r, key), ",.0f") for r in scenarios)))
    header = ("rows/s", *(f"{r['scenario']} ({r['rows']:,} rows)" for r in scenarios))
    return table(header, rows)


def scenario_section(result: dict) -> str:
    notes = (
        f"{result['rows']:,} rows; median of {result['runs']} timed run(s) after "
        f"{result['warmup_runs']} warm-up; Spark start {result['spark_start_seconds']:.1f} s"
        + (" (one start shared by the run's scenarios)" if result.get("spark_shared") else "")
        + "; "
        f"JVM RSS after start-up {fmt(result['jvm_rss_idle_mb'], ',.0f')} MB (heap touched); "
        f"ORT sessions created in the JVM in all: {result['ort_sessions_created_in_jvm']}."
    )
    memory = result.get("memory")
    if memory:
        notes += (
            f" Memory ({memory['contender']}, one full run before any Python contender): JVM RSS "
            f"{fmt(memory['jvm_rss_idle_session_mb'], ',.0f')} MB with the session idle, peak "
            f"{fmt(memory['jvm_rss_peak_mb'], ',.0f')} MB: growth "
            f"{fmt(memory['growth_mb'], ',.1f')} MB against an allowance of "
            f"{memory['allowance_mb']:,.1f} MB (model {memory['model_mb']:,.1f} MB + 64 MB); "
            f"{memory['sessions_open']} session(s) open for {memory['models']} model(s)."
        )
    parts = [
        f"## {result['scenario']}: {result['title']}",
        notes,
        table(CONTENDER_HEADER, contender_rows(result)),
    ]
    if forms(result):
        parts += [
            (
                "Query forms: b runs the SQL shown, c the same query with predict_batch_udf in "
                "place of the call; rows/s are input rows per second. The last column says "
                "whether b's executed plan batches the calls in OnnxEval (otherwise they run row "
                "by row inside the aggregate or sort)."
            ),
            table(FORM_HEADER, form_rows(result)),
        ]
    return "\n\n".join(parts)


def run_rows(report: dict) -> list[tuple[str, ...]]:
    return [
        (name, r.get("finished", "–"), fmt(r.get("cpu_stolen_percent"), ".1f"))
        for name, r in report["scenarios"].items()
    ]


def render_markdown(report: dict, chart: str | None) -> str:
    machine = report["machine"]
    parts = [
        "# spark-onnx benchmark results",
        "Generated by `benchmarks/run.py`"
        + (" (quick smoke run)" if report["quick"] else "")
        + f" on {report['generated']}; the suite took {report['suite_seconds']:.0f} s. "
        "See `benchmarks/README.md` for what each contender and column means.",
        "## Targets",
        table(
            ("target", "value", "goal", "status", "why missed"),
            target_rows(report["targets"]),
            text_last=True,
        ),
    ]
    if contender_scenarios(report):
        parts += ["## Throughput", overview(report)]
    if chart:
        parts.append(f"![rows/s per contender per scenario, and per query form]({chart})")
    for r in report["scenarios"].values():
        if "peers" in r:
            parts.append(peers_section(report, r))
        elif r["scenario"] == "scale":
            parts.append(scale_section(r))
        else:
            parts.append(scenario_section(r))
    parts += [
        "## Runs",
        (
            "When each scenario's figures were recorded (a run with `--only` replaces some and "
            "keeps the others), and the share of the machine's CPU time the host gave to other "
            "guests meanwhile (steal: a quiet machine has next to none)."
        ),
        table(("scenario", "finished (UTC)", "CPU stolen %"), run_rows(report)),
        "## Machine",
        table(("", "value"), [(key, str(value)) for key, value in machine.items()]),
    ]
    return "\n\n".join(parts) + "\n"


# --- chart -------------------------------------------------------------------------------------


def render_chart(report: dict, path: Path) -> bool:
    """Draws the chart at `path`; False when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = contender_scenarios(report)
    shaped = [r for r in report["scenarios"].values() if forms(r)]
    scale = report["scenarios"].get("scale")
    # One panel for the contenders across scenarios, one per query-shape scenario beside it,
    # one for scale.
    widths = [10] * bool(scenarios) + [6] * len(shaped) + [6] * bool(scale)
    if not widths:
        return False
    fig, axes = plt.subplots(
        1, len(widths), figsize=(sum(widths), 5), dpi=120, squeeze=False, width_ratios=widths
    )
    panels = list(axes[0])
    if scenarios:
        contender_chart(panels.pop(0), report, scenarios)
    for result, ax in zip(shaped, panels):
        form_chart(ax, result)
    if scale:
        scale_chart(panels[-1], scale)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def form_chart(ax, result: dict) -> None:
    """b and c per query form of a query-shape scenario."""
    names = [f["form"] for f in forms(result)]
    for i, (side, label) in enumerate((("b", SHORT_NAMES["b_sql"]), ("c", SHORT_NAMES["c"]))):
        ys = [rate(result, f[side]) or 0 for f in forms(result)]
        ax.bar([n + (i - 0.5) * 0.4 for n in range(len(names))], ys, 0.4, label=label)
    ax.set_yscale("log")
    ax.set_ylabel("input rows/s (log scale, higher is better)")
    ax.set_xticks(range(len(names)), names)
    ax.set_title(f"{result['scenario']}: the call in each query form, {result['rows']:,} rows")
    ax.legend(fontsize=8)
    ax.grid(axis="y", which="both", alpha=0.3)


def scale_chart(ax, result: dict) -> None:
    """rows/s against rows read from Parquet, per model: b and reading alone."""
    for name, case in result["cases"].items():
        sizes = [int(s) for s in case["sizes"]]
        labels = {"b": "onnx_predict", "b_rows": "onnx_predict through rows", "read": "read"}
        for key, style in (("b", "-o"), ("b_rows", "--s"), ("read", ":x")):
            if key not in case["sizes"][str(sizes[0])]:
                continue
            ys = [case["sizes"][str(s)][key]["rows_per_second"] for s in sizes]
            ax.plot(sizes, ys, style, label=f"{name}: {labels[key]}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows in the Parquet file (log scale)")
    ax.set_ylabel("rows/s (log scale)")
    ax.set_title("scale: Parquet, read anew every run")
    ax.legend(fontsize=8)
    ax.grid(which="both", alpha=0.3)


def contender_chart(ax, report: dict, scenarios: list[dict]) -> None:
    """Every contender (bars) in every scenario (groups)."""
    keys = [k for k in SHORT_NAMES if any(scenario_rate(report, r, k) for r in scenarios)]
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        xs = [n + (i - (len(keys) - 1) / 2) * width for n in range(len(scenarios))]
        ys = [scenario_rate(report, r, key) or 0 for r in scenarios]
        ax.bar(xs, ys, width, label=SHORT_NAMES[key])
    ax.set_yscale("log")
    ax.set_ylabel("rows/s (log scale, higher is better)")
    ax.set_xticks(
        range(len(scenarios)), [f"{r['scenario']}\n{r['rows']:,} rows" for r in scenarios]
    )
    cores = report["machine"].get("cores")
    ax.set_title(f"spark-onnx vs Python inference paths and SynapseML, {cores} cores, local[2]")
    ax.legend(fontsize=8)
    ax.grid(axis="y", which="both", alpha=0.3)


def write(out: Path, report: dict) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    chart = out / "results.png"
    drawn = render_chart(report, chart)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "results.md").write_text(render_markdown(report, chart.name if drawn else None))
    return [out / "results.json", out / "results.md"] + [chart] * drawn


def load(path: Path) -> dict[str, dict]:
    """The scenarios of an earlier results.json, so a partial run (--only) keeps the others."""
    try:
        return json.loads(path.read_text()).get("scenarios", {})
    except (OSError, ValueError):
        return {}
