"""The text scenario's Python contenders: what a careful PySpark user writes to embed text
with all-MiniLM-L6-v2 today. Tokenizer and session cached per Python worker (one intra-op
thread: two tasks run at once on local[2]); each batch padded to its own longest text, mean
pooled with the attention mask and L2-normalised, as sentence-transformers does.

Pickled by reference: the workers import this module (run.py puts the checkout on PYTHONPATH).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

# Rows per model run for every Python contender (and the ceiling).
BATCH = 32
_CACHE: dict[tuple[str, str, int], tuple[object, object]] = {}


def encoder(model_path: str, tokenizer_path: str, max_length: int = 256):
    """This process's (tokenizer, onnxruntime session), made once."""
    key = (model_path, tokenizer_path, max_length)
    if key not in _CACHE:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(tokenizer_path)
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        _CACHE[key] = (tokenizer, session)
    return _CACHE[key]


def run_encoded(session, encodings: list) -> np.ndarray:
    """One run over `encodings` padded to their longest: normalised mean-pooled float32 [N, 384]."""
    longest = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), longest), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n] = e.ids
        mask[row, :n] = e.attention_mask
        types[row, :n] = e.type_ids
    (hidden,) = session.run(
        ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def embed(
    model_path: str, tokenizer_path: str, texts: list[str], sort: bool, batch: int = BATCH
) -> np.ndarray:
    """`texts` embedded in runs of `batch`; `sort` runs texts of similar length together (as
    sentence-transformers' encode does), results back in input order."""
    tokenizer, session = encoder(model_path, tokenizer_path)
    encodings = tokenizer.encode_batch(texts)
    order = (
        np.argsort([len(e.ids) for e in encodings], kind="stable")
        if sort
        else np.arange(len(texts))
    )
    out = np.empty((len(texts), 384), dtype=np.float32)
    for start in range(0, len(texts), batch):
        rows = order[start : start + batch]
        out[rows] = run_encoded(session, [encodings[i] for i in rows])
    return out


def batch_udf(model_path: str, tokenizer_path: str):
    """(c) predict_batch_udf: a batch of BATCH strings in, tokenized and run as one batch."""
    from pyspark.ml.functions import predict_batch_udf
    from pyspark.sql.types import ArrayType, FloatType

    def make_predict_fn():
        encoder(model_path, tokenizer_path)

        def predict(texts: np.ndarray) -> np.ndarray:
            return embed(model_path, tokenizer_path, list(texts), sort=False)

        return predict

    return predict_batch_udf(make_predict_fn, return_type=ArrayType(FloatType()), batch_size=BATCH)


def pandas_udf(model_path: str, tokenizer_path: str, sort: bool = False):
    """(d) an iterator pandas UDF over Arrow batches, run BATCH texts at a time in input order;
    with `sort`, each Arrow batch sorted by length first (the careful user's version of
    sentence-transformers' encode)."""
    from pyspark.sql.functions import pandas_udf as make
    from pyspark.sql.types import ArrayType, FloatType

    def predict(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for series in batches:
            vectors = embed(model_path, tokenizer_path, series.tolist(), sort=sort)
            yield pd.Series(list(vectors))

    return make(predict, ArrayType(FloatType()))
