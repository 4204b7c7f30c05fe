"""`spark-onnx demo --text`: embeds Python's documentation, answers semantic-search queries in
SQL and classifies sentences with a trained head; the answers are ones a person would give."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_text_demo_searches_and_classifies():
    done = subprocess.run(
        [sys.executable, "-m", "spark_onnx.cli", "demo", "--text", "--documents", "150"],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    out = done.stdout
    assert done.returncode == 0, out[-2000:] + done.stderr[-3000:]
    assert re.search(r"Embedded 150 paragraphs", out)
    # The debugger query finds pdb paragraphs first.
    debugger = out.split("query: step through my program")[1].split("query:")[0]
    assert "[debugger]" in debugger.splitlines()[1], debugger
    accuracy = float(re.search(r"held-out accuracy \d+/\d+ = ([0-9.]+)", out).group(1))
    assert accuracy >= 0.8, out
    # The head names the topic a person would for each new sentence.
    lines = out.splitlines()[-4:]
    expected = ["the pdb debugger", "string methods", "dictionaries", "the import system"]
    for line, label in zip(lines, expected, strict=True):
        assert line.split(maxsplit=1)[1].startswith(label), out[-800:]
