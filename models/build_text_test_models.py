"""Builds the small text artifacts the suites use: `python models/build_text_test_models.py`.

Written into models/testing/text/ and committed, so the ScalaTest suites need no Python:

- three tokenizer.json files trained here with the `tokenizers` package on text that ships with
  Python (the standard library's own docstrings), one per model family the Hugging Face hub uses:
  WordPiece (BERT: lower-casing normaliser, [CLS] ... [SEP]), byte-level BPE (GPT-2/RoBERTa:
  <s> ... </s>) and Unigram (T5/ALBERT: NFKC, Metaspace, ... </s>);
- `tiny_encoder.onnx`, a BERT-shaped toy encoder over the WordPiece vocabulary (input_ids,
  attention_mask, token_type_ids -> last_hidden_state [batch, tokens, 8]) whose every token
  vector also holds the mask-weighted mean of its text's tokens: a run that fed the mask wrong,
  or let padding leak into a text, gives other numbers;
- `tiny_classifier.onnx`: the same encoder with a 3-class head on the first token (logits
  [batch, 3]).
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)

OUT = Path(__file__).resolve().parent / "testing" / "text"
DIM = 8


def corpus() -> list[str]:
    """Docstrings of standard-library modules: English prose with code and punctuation."""
    import collections
    import email
    import json as json_module
    import pathlib
    import textwrap
    import unicodedata

    texts = []
    for module in (collections, email, json_module, pathlib, textwrap, unicodedata, inspect):
        for _, member in inspect.getmembers(module):
            doc = inspect.getdoc(member)
            if doc:
                texts.extend(line for line in doc.splitlines() if line.strip())
    return texts


def wordpiece(texts: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"]
    # "hello" and "world" right after the specials: the SQL examples print their ids.
    trainer = trainers.WordPieceTrainer(
        vocab_size=600, special_tokens=specials + ["hello", "world"]
    )
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 1), ("[SEP]", 2)],
    )
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def byte_bpe(texts: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        special_tokens=["<s>", "<pad>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def unigram(texts: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(
        vocab_size=500, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"
    )
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    tokenizer.decoder = decoders.Metaspace()
    return tokenizer


def encoder(vocab: int, classifier: bool) -> onnx.ModelProto:
    rng = np.random.default_rng(16)
    words = rng.normal(size=(vocab, DIM)).astype(np.float32)
    types = rng.normal(size=(2, DIM)).astype(np.float32)
    head = rng.normal(size=(DIM, 3)).astype(np.float32)
    batch_tokens = ["batch_size", "sequence_length"]
    nodes = [
        helper.make_node("Gather", ["words", "input_ids"], ["w"]),
        helper.make_node("Gather", ["types", "token_type_ids"], ["t"]),
        helper.make_node("Add", ["w", "t"], ["token"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["token", "mask3"], ["kept"]),
        helper.make_node("ReduceSum", ["kept", "token_axis"], ["summed"], keepdims=1),
        helper.make_node("ReduceSum", ["mask3", "token_axis"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["context"]),
        helper.make_node("Tanh", ["token"], ["squashed"]),
        helper.make_node("Add", ["squashed", "context"], ["last_hidden_state"]),
    ]
    initializers = [
        numpy_helper.from_array(words, "words"),
        numpy_helper.from_array(types, "types"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "token_axis"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    ]
    if classifier:
        nodes += [
            helper.make_node("Gather", ["last_hidden_state", "zero"], ["first"], axis=1),
            helper.make_node("MatMul", ["first", "head"], ["logits"]),
        ]
        initializers += [
            numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
            numpy_helper.from_array(head, "head"),
        ]
        outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 3])]
    else:
        outputs = [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, batch_tokens + [DIM]
            )
        ]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, batch_tokens)
        for name in ("input_ids", "attention_mask", "token_type_ids")
    ]
    name = "tiny_classifier" if classifier else "tiny_encoder"
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="spark-onnx tests"
    )
    model.ir_version = 9
    onnx.checker.check_model(model, full_check=True)
    return model


# Texts nobody tuned the tokenizers for: accents (composed and combining), CJK, emoji (with
# skin tones and joiners), right-to-left script, control and odd whitespace, empty and blank,
# and texts longer than any maximum length (truncation).
PARITY_TEXTS = [
    "Hello world",
    "hello, world!",
    "",
    " ",
    "   \t\n  ",
    "The quick brown fox jumps over the lazy dog.",
    "Crème brûlée, naïve café, façade — déjà vu; Ångström, Øresund, Łódź.",
    "Cre\u0300me bru\u0302le\u0301e (combining accents)",
    "東京は日本の首都です。北京是中国的首都。",
    "서울은 한국의 수도입니다",
    "I ❤️ Spark 🚀🔥 and 👩🏽‍💻 emoji 🇫🇷",
    "مرحبا بالعالم",
    "Привет, мир! Γειά σου κόσμε",
    "tabs\tand\nnewlines\r\nand\u00a0non-breaking\u2003spaces",
    "zero\u200bwidth and control \u0007 chars",
    "URLs like https://example.com/a?b=c&d=e and emails x.y@z.org",
    "numbers 3.14159, 1,000,000 and -42e-3",
    "UPPER lower MiXeD CaSe",
    "a" * 300,
    " ".join(["supercalifragilisticexpialidocious antidisestablishmentarianism"] * 60),
    " ".join(f"word{i}" for i in range(700)),
    "Don't stop—it's 5 o'clock somewhere... isn't it?!",
    "\u00e9\u0301\u0327 stacked marks",
    "😀" * 50,
]

# (tokenizer file, maximum length) pairs the parity tables cover.
PARITY_CASES = [
    ("wordpiece.tokenizer.json", 512),
    ("wordpiece.tokenizer.json", 16),
    ("bpe.tokenizer.json", 512),
    ("bpe.tokenizer.json", 32),
    ("unigram.tokenizer.json", 512),
    ("unigram.tokenizer.json", 24),
]
MINILM = Path(__file__).resolve().parent / "zoo" / "all_minilm_l6_v2.tokenizer.json"


def parity_expected() -> dict:
    """Each case's encodings by Python's `tokenizers`: the table the Scala suite checks."""
    import tokenizers

    cases = [(OUT / name, length) for name, length in PARITY_CASES]
    if MINILM.exists():
        cases += [(MINILM, 256), (MINILM, 128)]
    tables = []
    for path, length in cases:
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=length)
        rows = []
        for text in PARITY_TEXTS:
            e = tokenizer.encode(text)
            rows.append({"ids": e.ids, "attention_mask": e.attention_mask, "type_ids": e.type_ids})
        name = path.name if path != MINILM else "../../zoo/" + path.name
        tables.append({"tokenizer": name, "max_length": length, "encodings": rows})
    return {"tokenizers_version": tokenizers.__version__, "texts": PARITY_TEXTS, "cases": tables}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    texts = corpus()
    pieces = wordpiece(texts)
    for name, tokenizer in (
        ("wordpiece", pieces),
        ("bpe", byte_bpe(texts)),
        ("unigram", unigram(texts)),
    ):
        tokenizer.save(str(OUT / f"{name}.tokenizer.json"), pretty=False)
    vocab = pieces.get_vocab_size()
    for classifier in (False, True):
        model = encoder(vocab, classifier)
        onnx.save(model, OUT / f"{model.graph.name}.onnx")
    (OUT / "parity_expected.json").write_text(json.dumps(parity_expected()) + "\n")
    print(json.dumps({"texts": len(texts), "wordpiece_vocab": vocab}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
