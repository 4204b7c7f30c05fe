"""The text scenario's corpus: sentences of realistic lengths (10-200 tokens of
all-MiniLM-L6-v2's tokenizer, most of them short) cut from the prose of Python's own
reference documentation, which ships with every Python (`pydoc_data.topics`)."""

from __future__ import annotations

import re

import numpy as np

MIN_TOKENS, MAX_TOKENS = 10, 200
# Token counts drawn log-normally: median ~32 tokens, a long tail to 200 (reviews, tickets).
MEDIAN_TOKENS, SIGMA = 32, 0.7
# English prose runs at about 1.3 WordPiece tokens per word.
TOKENS_PER_WORD = 1.3


def words() -> list[str]:
    import pydoc_data.topics

    prose = " ".join(pydoc_data.topics.topics.values())
    # Drop the reST underlines ("*****", "=====") and collapse whitespace.
    prose = re.sub(r"([*=~^\-])\1{3,}", " ", prose)
    return re.sub(r"\s+", " ", prose).split(" ")


def corpus(rows: int, tokenizer, seed: int = 16) -> tuple[list[str], np.ndarray]:
    """`rows` texts and their token counts (special tokens included), all in [10, 200]."""
    pool = words()
    rng = np.random.default_rng(seed)
    targets = np.clip(rng.lognormal(np.log(MEDIAN_TOKENS), SIGMA, rows), MIN_TOKENS, MAX_TOKENS)
    starts = rng.integers(0, len(pool) - 400, rows)
    texts = []
    for start, target in zip(starts, targets, strict=True):
        count = max(3, int(target / TOKENS_PER_WORD))
        texts.append(" ".join(pool[start : start + count]))
    # Trim or extend by words until every text's token count is in range.
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(texts)])
    for _ in range(20):
        wrong = np.flatnonzero((lengths < MIN_TOKENS) | (lengths > MAX_TOKENS))
        if len(wrong) == 0:
            return texts, lengths
        for i in wrong:
            split = texts[i].split(" ")
            if lengths[i] > MAX_TOKENS:
                texts[i] = " ".join(split[: max(1, int(len(split) * MAX_TOKENS / lengths[i]) - 2)])
            else:
                start = int(starts[i]) + len(split)
                texts[i] = " ".join(split + pool[start : start + 4])
        fixed = tokenizer.encode_batch([texts[i] for i in wrong])
        lengths[wrong] = [len(e.ids) for e in fixed]
    raise RuntimeError("could not bring every text's length into range")
