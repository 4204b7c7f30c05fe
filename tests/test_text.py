"""Text models from Python: the JVM tokenizer matches Python's `tokenizers` exactly, the zoo's
all-MiniLM-L6-v2 embeddings match Python tokenizers + onnxruntime + mean pooling + L2
normalisation (cosine >= 0.9999 on every sentence), in SQL and DataFrames, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from pyspark.sql import functions as F
from text_reference import SENTENCES, TEXT, embed, tokenizer

import spark_onnx
from conftest import MODELS
from spark_onnx import errors, zoo
from spark_onnx.functions import onnx_predict, onnx_tokenize

ZOO = MODELS / "zoo"
MINILM_TOKENIZER = ZOO / "all_minilm_l6_v2.tokenizer.json"

CASES = [
    (TEXT / "wordpiece.tokenizer.json", 512),
    (TEXT / "wordpiece.tokenizer.json", 12),
    (TEXT / "bpe.tokenizer.json", 512),
    (TEXT / "bpe.tokenizer.json", 20),
    (TEXT / "unigram.tokenizer.json", 512),
    (TEXT / "unigram.tokenizer.json", 16),
    (MINILM_TOKENIZER, 256),
    (MINILM_TOKENIZER, 64),
]


@pytest.fixture(scope="module")
def texts(spark):
    return spark.createDataFrame([(i, t) for i, t in enumerate(SENTENCES)], "id INT, text STRING")


@pytest.mark.parametrize(("path", "max_length"), CASES, ids=lambda c: getattr(c, "name", c))
def test_onnx_tokenize_matches_python_tokenizers(spark, texts, path, max_length):
    if not path.exists():
        pytest.fail(f"{path} is missing: run bin/setup (it fetches the text zoo)")
    spark_onnx.register(
        spark,
        "tok_parity",
        TEXT / "tiny_encoder.onnx",
        tokenizer=path,
        max_length=max_length,
        replace=True,
    )
    rows = texts.select("id", onnx_tokenize("tok_parity", "text").alias("t")).orderBy("id")
    reference = tokenizer(path, max_length)
    truncated = 0
    for row in rows.collect():
        want = reference.encode(SENTENCES[row.id])
        assert row.t.input_ids == want.ids, SENTENCES[row.id][:40]
        assert row.t.attention_mask == want.attention_mask
        assert row.t.token_type_ids == want.type_ids
        truncated += len(want.ids) == max_length
    assert truncated >= 2


def test_all_minilm_l6_v2_embed_matches_python_on_every_sentence(spark, texts):
    model = zoo.register(spark, "all_minilm_l6_v2")
    text = model.card["text"]
    want = embed(model.path, model.tokenizer, SENTENCES, text["max_length"], "mean", True)
    by_sql = spark.sql(
        "SELECT id, all_minilm_l6_v2_embed(text) AS e FROM {texts} ORDER BY id", texts=texts
    ).collect()
    by_frame = texts.select("id", onnx_predict("all_minilm_l6_v2", "text").alias("e"))
    by_frame = by_frame.orderBy("id").collect()
    cosines = []
    for rows in (by_sql, by_frame):
        for row in rows:
            got = np.array(row.e, dtype=np.float64)
            assert got.shape == (384,)
            assert abs(np.linalg.norm(got) - 1) < 1e-5
            cosines.append(float(got @ want[row.id].astype(np.float64)))
    print(f"all_minilm_l6_v2: {len(cosines)} embeddings, minimum cosine {min(cosines):.9f}")
    assert min(cosines) >= 0.9999
    # Paraphrases are closer than unrelated sentences: the embeddings mean something.
    guitar, music, stocks = (np.array(by_sql[-5 + i].e) for i in range(3))
    assert guitar @ music > guitar @ stocks + 0.2


def test_pooling_options_and_classifier_head_match_python(spark, texts):
    cases = [
        ("tiny_encoder.onnx", {"pooling": "mean", "normalize": False, "max_length": 512}),
        ("tiny_encoder.onnx", {"pooling": "cls", "normalize": True, "max_length": 9}),
        ("tiny_classifier.onnx", {"pooling": "mean", "normalize": False, "max_length": 512}),
    ]
    words = TEXT / "wordpiece.tokenizer.json"
    for file, options in cases:
        spark_onnx.register(spark, "tiny", TEXT / file, tokenizer=words, replace=True, **options)
        got = texts.select("id", onnx_predict("tiny", "text").alias("v")).orderBy("id").collect()
        want = embed(TEXT / file, words, SENTENCES, **options)
        for row in got:
            np.testing.assert_allclose(np.array(row.v), want[row.id], rtol=1e-5, atol=1e-5)


def test_a_classifier_that_records_its_labels_names_its_classes(spark, texts, tmp_path):
    """onnx_top_k(scores, k, 'model') takes the class names from the model's metadata."""
    import onnx

    labels = ["negative", "neutral", "positive"]
    model = onnx.load(TEXT / "tiny_classifier.onnx")
    onnx.helper.set_model_props(model, {"spark_onnx.labels": "\n".join(labels)})
    path = tmp_path / "labelled_classifier.onnx"
    onnx.save(model, path)
    words = TEXT / "wordpiece.tokenizer.json"
    options = {"pooling": "mean", "normalize": False, "max_length": 512}
    spark_onnx.register(spark, "tiny_labelled", path, tokenizer=words, replace=True, **options)
    want = embed(path, words, SENTENCES, **options)
    rows = spark.sql(
        "SELECT id, onnx_top_k(onnx_predict('tiny_labelled', text), 2, 'tiny_labelled') AS top "
        "FROM {texts} ORDER BY id",
        texts=texts,
    ).collect()
    for row in rows:
        best = np.argsort(-want[row.id], kind="stable")[:2]
        assert [t.label for t in row.top] == [labels[i] for i in best], SENTENCES[row.id][:40]
        np.testing.assert_allclose(
            [t.probability for t in row.top], want[row.id][best], rtol=1e-5, atol=1e-5
        )


def test_null_text_is_null_and_a_wrong_column_is_a_typed_error(spark):
    spark_onnx.register(
        spark, "tiny_null", TEXT / "tiny_encoder.onnx", tokenizer=TEXT / "wordpiece.tokenizer.json"
    )
    frame = spark.createDataFrame([(None,), ("",)], "text STRING")
    rows = frame.select(onnx_predict("tiny_null", "text").alias("v")).collect()
    assert rows[0].v is None and len(rows[1].v) == 8
    with pytest.raises(errors.InputMismatch) as caught:
        spark.range(2).select(onnx_predict("tiny_null", F.col("id"))).collect()
    assert caught.value.getCondition() == "ONNX_TEXT_INPUT_TYPE_MISMATCH"
    with pytest.raises(TypeError, match="tokenizer"):
        spark_onnx.register(spark, "no_tokenizer", TEXT / "tiny_encoder.onnx", pooling="mean")


def test_text_embedder_feeds_logistic_regression_and_round_trips(spark, tmp_path):
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.classification import LogisticRegression

    from spark_onnx.ml import TextEmbedder

    model = zoo.text_models()["all_minilm_l6_v2"]
    embedder = TextEmbedder(
        modelPath=str(model.path),
        tokenizerPath=str(model.tokenizer),
        pooling="mean",
        normalize=True,
        maxLength=256,
    )
    sports = ["The team won the match in overtime.", "She scored two goals in the final."]
    sports += ["The striker was injured before the game.", "Fans cheered as the race ended."]
    money = ["The bank raised interest rates again.", "Shares fell after the earnings report."]
    money += ["Inflation pushed bond yields higher.", "The company issued new stock to investors."]
    train = spark.createDataFrame(
        [(t, 0.0) for t in sports] + [(t, 1.0) for t in money], "text STRING, label DOUBLE"
    )
    fitted = Pipeline(stages=[embedder, LogisticRegression(maxIter=50)]).fit(train)
    test = spark.createDataFrame(
        [("The goalkeeper saved a penalty.",), ("Stock markets rallied on rate cuts.",)],
        "text STRING",
    )
    assert [r.prediction for r in fitted.transform(test).collect()] == [0.0, 1.0]
    features = fitted.transform(test).select("features").collect()
    want = embed(model.path, model.tokenizer, [r.text for r in test.collect()], 256, "mean", True)
    for row, expected in zip(features, want, strict=True):
        assert float(np.dot(row.features.toArray(), expected)) >= 0.9999
    fitted.write().overwrite().save(str(tmp_path / "pipeline"))
    assert (tmp_path / "pipeline" / "stages").is_dir()
    loaded = PipelineModel.load(str(tmp_path / "pipeline"))
    saved_stage = loaded.stages[0]
    assert saved_stage.getModelPath().endswith("model.onnx")
    assert saved_stage.getTokenizerPath().endswith("tokenizer.json")
    again = loaded.transform(test).select("features", "prediction").collect()
    for before, after in zip(features, again, strict=True):
        np.testing.assert_array_equal(before.features.toArray(), after.features.toArray())
