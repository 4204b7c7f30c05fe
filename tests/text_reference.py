"""The independent reference for text models: Python's `tokenizers` + `onnxruntime` + numpy
pooling, one text per run (no padding, no batching), as sentence-transformers pools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
from build_text_test_models import PARITY_TEXTS  # models/, on the path by conftest
from tokenizers import Tokenizer

# The tests' toy text models and tokenizers (models/build_text_test_models.py).
TEXT = Path(__file__).resolve().parents[1] / "models" / "testing" / "text"

SENTENCES = PARITY_TEXTS + [
    "A man is playing a guitar on stage.",
    "Someone performs music with a stringed instrument.",
    "The stock market fell sharply on Monday.",
    "How do I reset my password?",
    "Le chat dort sur le canapé.",
]


def tokenizer(path: str | Path, max_length: int) -> Tokenizer:
    loaded = Tokenizer.from_file(str(path))
    loaded.no_padding()
    loaded.enable_truncation(max_length=max_length)
    return loaded


def embed(
    model: str | Path,
    tokenizer_path: str | Path,
    texts: list[str],
    max_length: int = 512,
    pooling: str = "mean",
    normalize: bool = False,
) -> list[np.ndarray]:
    """Each text's output: pooled (`mean`: mask-weighted mean, `cls`: first token), or the
    model's own per-text output; L2-normalised when asked."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    words = tokenizer(tokenizer_path, max_length)
    out = []
    for text in texts:
        e = words.encode(text)
        feeds = {
            "input_ids": np.array([e.ids], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids], dtype=np.int64),
        }
        (value,) = session.run(None, {k: v for k, v in feeds.items() if k in names})[:1]
        if value.ndim == 3:
            tokens = value[0].astype(np.float64)
            mask = feeds["attention_mask"][0].astype(np.float64)[:, None]
            vector = (
                tokens[0] if pooling == "cls" else (tokens * mask).sum(0) / max(mask.sum(), 1e-9)
            )
        else:
            vector = value[0].astype(np.float64)
        if normalize:
            vector = vector / max(np.linalg.norm(vector), 1e-12)
        out.append(vector.astype(np.float32))
    return out
