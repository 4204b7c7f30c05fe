"""Sentence embeddings on Spark, all in the JVM: the paragraphs of Python's own reference
documentation (`pydoc_data.topics`, shipped with every Python) embedded with the zoo's
all-MiniLM-L6-v2, a few semantic-search queries answered in SQL (top 5 by cosine), and a
LogisticRegression head trained on `TextEmbedder` features that tells which documentation
topic a sentence is about. Prints results a person can judge."""

from __future__ import annotations

import re
import time

# Topics whose paragraphs the classifier learns to tell apart, and the label it prints.
CLASSES = {
    "debugger": "the pdb debugger",
    "string-methods": "string methods",
    "typesmapping": "dictionaries",
    "import": "the import system",
}
QUERIES = [
    "How do I catch an exception and clean up afterwards?",
    "step through my program line by line and set a breakpoint",
    "remove whitespace from the start and end of a string",
    "what happens when two objects are compared for equality",
]
NEW_SENTENCES = [
    "Stop the program at line 42 and print the local variables.",
    "Turn every letter of the text into upper case.",
    "Look up a key and return a default when it is missing.",
    "Where does Python search for a module named spam?",
]


def paragraphs() -> list[tuple[str, str]]:
    """(topic, paragraph) for every prose paragraph of 12-120 words in pydoc_data.topics."""
    import pydoc_data.topics

    found = []
    for topic, text in sorted(pydoc_data.topics.topics.items()):
        for block in re.split(r"\n\s*\n", text):
            paragraph = re.sub(r"\s+", " ", block).strip()
            words = len(paragraph.split())
            grammar = re.search(r"::=|\*\*\*\*|====|^>>>|^\.\.\.", paragraph)
            if 12 <= words <= 120 and not grammar:
                found.append((topic, paragraph))
    return found


def _short(text: str, width: int = 88) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def run(master: str = "local[2]", documents: int = 600) -> int:
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression

    import spark_onnx
    from spark_onnx import zoo
    from spark_onnx.ml import TextEmbedder

    spark = spark_onnx.session(master=master, app_name="spark-onnx text demo")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        model = zoo.register(spark, "all_minilm_l6_v2")
        corpus = paragraphs()
        # Every few paragraphs, so each topic is represented, up to `documents` of them.
        step = max(1, len(corpus) // documents)
        picked = corpus[::step][:documents]
        docs = spark.createDataFrame(
            [(i, topic, text) for i, (topic, text) in enumerate(picked)],
            "id INT, topic STRING, text STRING",
        )
        docs.createOrReplaceTempView("docs")
        began = time.perf_counter()
        embedded = spark.sql(
            "SELECT id, topic, text, all_minilm_l6_v2_embed(text) AS e FROM docs"
        ).cache()
        count = embedded.count()
        seconds = time.perf_counter() - began
        embedded.createOrReplaceTempView("embedded")
        print(
            f"Embedded {count} paragraphs of Python's reference documentation with "
            f"all-MiniLM-L6-v2 in {seconds:.1f} s ({count / seconds:.0f} texts/s), "
            "tokenized and run inside the JVM."
        )
        print("\nSemantic search in SQL (vectors are normalised: cosine = dot product):")
        for query in QUERIES:
            rows = spark.sql(
                """
                SELECT d.topic, d.text,
                       aggregate(zip_with(d.e, q.e, (a, b) -> a * b), 0D, (s, x) -> s + x) AS cosine
                FROM embedded d, (SELECT all_minilm_l6_v2_embed(:query) AS e) q
                ORDER BY cosine DESC LIMIT 5
                """,
                args={"query": query},
            ).collect()
            print(f"\n  query: {query}")
            for rank, row in enumerate(rows, 1):
                print(f"   {rank}. {row.cosine:.3f} [{row.topic}] {_short(row.text)}")

        print("\nClassification: which documentation topic is a sentence about?")
        labelled = [
            (text, float(list(CLASSES).index(topic))) for topic, text in corpus if topic in CLASSES
        ]
        frame = spark.createDataFrame(labelled, "text STRING, label DOUBLE")
        train, test = frame.randomSplit([0.7, 0.3], seed=16)
        embedder = TextEmbedder(
            modelPath=str(model.path),
            tokenizerPath=str(model.tokenizer),
            pooling="mean",
            normalize=True,
            maxLength=256,
        )
        head = LogisticRegression(maxIter=200, regParam=0.01)
        fitted = Pipeline(stages=[embedder, head]).fit(train)
        scored = fitted.transform(test).select("label", "prediction").collect()
        correct = sum(r.label == r.prediction for r in scored)
        print(
            f"  {len(CLASSES)} topics ({', '.join(CLASSES.values())}); trained on "
            f"{train.count()} paragraphs, held-out accuracy {correct}/{len(scored)} = "
            f"{correct / max(len(scored), 1):.2f}"
        )
        fresh = spark.createDataFrame([(s,) for s in NEW_SENTENCES], "text STRING")
        names = list(CLASSES.values())
        for row in fitted.transform(fresh).select("text", "prediction", "probability").collect():
            label = names[int(row.prediction)]
            print(f"  {row.probability[int(row.prediction)]:.2f} {label:<18} {row.text}")
        return 0
    finally:
        spark.stop()
