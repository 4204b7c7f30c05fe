"""The documentation runs: every fenced python and sql block in README.md and docs/ is executed
here, in a session with the extension, or is marked as an illustration (an HTML comment
`<!-- illustration -->` on the line before the fence: a command line, a cluster, Scala, a
Connect server). Blocks with no language are output, plans or layouts, not code. Every SQL
function the extension registers has its page in docs/sql/.

The data the examples name (a reader meets these names in the docs' prose):
  digits, mobilenet_v2   models/digits.onnx, the zoo's MobileNetV2 (with mobilenet_v2_top5)
  step, double, topk ... the models docs/tensors.md defines above its examples (doc_models.py)
  classifier             models/testing/zipmap_string.onnx (features float[3] -> label and a
                         map of probabilities)
  images                 id INT, pixels ARRAY<FLOAT>: 20 held-out digits
  rows                   x ARRAY<FLOAT> (5 values), features ARRAY<FLOAT> (3 values)
  texts, t, chunks       tensors.md's: token ids of different lengths in one partition, one
                         x float[3] row, one chunk pair with a state for `step`
  photos/                a folder: cat.png and coffee.jpg
  reviews                id INT, review STRING (a view, and a DataFrame in python blocks)
  labelled_reviews       review STRING, label DOUBLE (a DataFrame in python blocks)
  docs                   title STRING, e ARRAY<FLOAT> (the title's MiniLM embedding)
  all_minilm_l6_v2       the zoo's sentence encoder (zoo.register: with all_minilm_l6_v2_embed)
  tiny_text              the tests' toy encoder with its WordPiece tokenizer.json
A SQL statement whose comment names an ONNX_* condition must fail with it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import doc_models
import pytest
from PIL import Image
from skimage import data as skimage_photos

import spark_onnx
from conftest import DIGITS, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
RUNNABLE = {"python", "sql"}
ILLUSTRATION = "<!-- illustration -->"
FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")
CONDITION = re.compile(r"\bONNX_[A-Z_]+\b")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    illustration: bool

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    found, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        found.append(
            Block(
                path,
                i + 1,
                opening.group(1).lower(),
                "\n".join(lines[i + 1 : end]),
                before == ILLUSTRATION,
            )
        )
        i = end + 1
    return found


ALL_BLOCKS = [b for path in DOCS for b in blocks(path)]


def runnable(language: str) -> list[Block]:
    return [b for b in ALL_BLOCKS if b.language == language and not b.illustration]


def test_every_code_block_runs_or_is_marked_as_an_illustration():
    unmarked = [
        f"{b.where()} ({b.language})"
        for b in ALL_BLOCKS
        if b.language and b.language not in RUNNABLE and not b.illustration
    ]
    assert not unmarked, (
        f"code that no test runs; mark it {ILLUSTRATION} or make it run: {unmarked}"
    )
    assert len(runnable("python")) >= 5 and len(runnable("sql")) >= 5


def test_no_link_leaves_the_repository():
    for path in DOCS:
        text = path.read_text()
        assert "../shared" not in text and "DESIGN.md" not in text, path
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if re.match(r"^[a-z]+://", target):
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), (path, target)
            assert resolved.exists(), (path, target)
    assert "docs/architecture.md" in (ROOT / "README.md").read_text()


def test_every_registered_function_has_a_page(spark):
    # The extension's own list (sparkonnx.sql.functions.FunctionCatalog), each name checked to
    # resolve in the session to one of our classes: listing all ~500 functions takes 10-30 s.
    catalog = spark._jvm.sparkonnx.sql.functions.FunctionCatalog.functions()
    ours = {catalog.apply(i)._1().funcName() for i in range(catalog.size())}
    for name in ours:
        described = spark.sql(f"DESCRIBE FUNCTION {name}").collect()
        assert any("Class: sparkonnx." in r[0] for r in described), (name, described)
    pages = {p.stem for p in (ROOT / "docs" / "sql").glob("*.md")}
    assert "onnx_predict" in ours and "onnx_runtime_stats" in ours
    assert ours == pages, {"no page": ours - pages, "no function": pages - ours}
    for name in ours:
        text = (ROOT / "docs" / "sql" / f"{name}.md").read_text()
        assert text.startswith(f"# {name}\n"), name
        for part in ("Format: ", "Return type: ", "```sql"):
            assert part in text, (name, part)


@pytest.fixture(scope="module")
def doc_world(spark, digits_test, tmp_path_factory):
    from spark_onnx import zoo

    photos = tmp_path_factory.mktemp("doc") / "photos"
    photos.mkdir()
    Image.fromarray(skimage_photos.chelsea()).save(photos / "cat.png")
    Image.fromarray(skimage_photos.coffee()).save(photos / "coffee.jpg")

    spark_onnx.register(spark, "digits", DIGITS)
    zoo.register(spark, "mobilenet_v2")
    spark_onnx.register(spark, "classifier", ROOT / "models" / "testing" / "zipmap_string.onnx")
    for name, path in doc_models.build_all(tmp_path_factory.mktemp("doc_models")).items():
        spark_onnx.register(spark, name, path)
    spark.createDataFrame(
        [(0, [1, 2]), (1, [3, 4]), (2, [1, 1, 1]), (3, [2, 2, 2]), (4, [5, 5])],
        "id INT, tokens ARRAY<BIGINT>",
    ).coalesce(1).createOrReplaceTempView("texts")
    spark.createDataFrame([([1.0, 2.0, 3.0],)], "x ARRAY<FLOAT>").createOrReplaceTempView("t")
    spark.createDataFrame(
        [([[1.0, 2.0]], [[3.0, 4.0]], [[[0.5]], [[0.25]]])],
        "x1 ARRAY<ARRAY<FLOAT>>, x2 ARRAY<ARRAY<FLOAT>>, h0 ARRAY<ARRAY<ARRAY<FLOAT>>>",
    ).createOrReplaceTempView("chunks")
    pixels = [p.tolist() for p in digits_test[0][:20]]
    spark.createDataFrame(
        list(enumerate(pixels)), "id INT, pixels ARRAY<FLOAT>"
    ).createOrReplaceTempView("images")
    spark.createDataFrame(
        [
            ([1.0, 5.0, 3.0, 4.0, 2.0], [0.1, 0.2, 0.3]),
            ([0.0, -1.0, 9.0, 1.0, 2.0], [1.0, 0.0, 2.0]),
        ],
        "x ARRAY<FLOAT>, features ARRAY<FLOAT>",
    ).createOrReplaceTempView("rows")
    # Text: the zoo's sentence encoder, the tests' toy WordPiece model, and reviews to embed.
    zoo.register(spark, "all_minilm_l6_v2")
    text_models = ROOT / "models" / "testing" / "text"
    spark_onnx.register(
        spark,
        "tiny_text",
        text_models / "tiny_encoder.onnx",
        tokenizer=text_models / "wordpiece.tokenizer.json",
        pooling="mean",
        replace=True,
    )
    reviews = spark.createDataFrame(
        [(1, "Great battery life, the screen is sharp."), (2, "Stopped working after a week.")],
        "id INT, review STRING",
    )
    reviews.createOrReplaceTempView("reviews")
    spark.sql(
        "CREATE OR REPLACE TEMP VIEW docs AS SELECT title, all_minilm_l6_v2_embed(title) AS e "
        "FROM VALUES ('Resetting your password'), ('Shipping times'), ('Refunds') AS t(title)"
    )
    previous = os.getcwd()
    os.chdir(ROOT)  # the examples' relative paths (models/digits.onnx) are the checkout's
    labelled_reviews = spark.createDataFrame(
        [
            ("Great battery life.", 1.0),
            ("Love the sharp screen.", 1.0),
            ("Stopped working after a week.", 0.0),
            ("The charger broke at once.", 0.0),
        ],
        "review STRING, label DOUBLE",
    )
    names = {"reviews": reviews, "labelled_reviews": labelled_reviews}
    yield {"photos": photos, "names": names}
    os.chdir(previous)


def with_data(code: str, world: dict) -> str:
    return code.replace("photos/", f"{world['photos']}/")


def statements(code: str) -> list[tuple[str, str]]:
    """(statement, its comments) for each `;`-terminated SQL statement of a block."""
    found, current, comments = [], [], []
    for line in code.splitlines():
        text, _, comment = line.partition("--")
        current.append(text)
        comments.append(comment)
        if text.strip().endswith(";"):
            found.append(("\n".join(current).strip().rstrip(";"), " ".join(comments)))
            current, comments = [], []
    if "".join(current).strip():
        found.append(("\n".join(current).strip(), " ".join(comments)))
    return found


SQL_BLOCKS = runnable("sql")
PYTHON_FILES = sorted({b.path for b in runnable("python")})


@pytest.mark.parametrize("block", SQL_BLOCKS, ids=[b.where() for b in SQL_BLOCKS])
def test_sql_block_runs(doc_world, spark, block):
    for statement, comments in statements(with_data(block.code, doc_world)):
        expected = CONDITION.findall(comments)
        if expected:
            with pytest.raises(Exception) as failure:
                spark.sql(statement).collect()
            assert expected[0] in str(failure.value), (block.where(), statement)
        else:
            rows = spark.sql(statement).collect()
            assert rows, (block.where(), statement)


@pytest.mark.parametrize("path", PYTHON_FILES, ids=[str(p.relative_to(ROOT)) for p in PYTHON_FILES])
def test_python_blocks_run_in_order(doc_world, spark, path):
    # A page's blocks share one namespace, as in a notebook: later ones use earlier names.
    namespace = {"__name__": "doc_example", **doc_world["names"]}
    for block in (b for b in runnable("python") if b.path == path):
        try:
            code = compile(with_data(block.code, doc_world), block.where(), "exec")
            exec(code, namespace)  # noqa: S102  (the docs of this repository, nothing else)
        except Exception as e:
            raise AssertionError(f"{block.where()}: {type(e).__name__}: {e}") from e
