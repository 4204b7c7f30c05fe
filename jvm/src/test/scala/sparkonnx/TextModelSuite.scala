package sparkonnx

import java.nio.file.Files

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OnnxTensor, OrtEnvironment, OrtSession}
import org.apache.spark.sql.Row
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.model.OnnxModel
import sparkonnx.text.{TokenizerFile, Tokenizers}

/**
 * Text models end to end: `onnx_predict` on a STRING column tokenizes, pads each run to its own
 * longest text, runs and pools; every value is checked against the same model run directly in ONNX
 * Runtime on that text alone (no padding, no batching) and pooled here. Also: every query shape the
 * engine batches, windows sorted by length or not, nulls and empty texts, `onnx_tokenize`,
 * classifier heads, and the errors of bad registrations and calls.
 */
class TextModelSuite extends AnyFunSuite with OnnxSparkSession {

  override protected def startupConf: Map[String, String] = tinyTextConf

  private val texts = Seq(
    "Hello world",
    "",
    "   ",
    "the quick brown fox jumps over the lazy dog and keeps running far away",
    "Crème brûlée, naïve café — déjà vu",
    "東京は日本の首都です",
    "I ❤️ Spark 🚀",
    "tiny",
    Seq.fill(40)("module object attribute value").mkString(" "),
    "return the value of the named attribute of object"
  )

  private lazy val tokenizer = {
    val bytes = Files.readAllBytes(textPath("wordpiece.tokenizer.json"))
    TokenizerFile(bytes, "wordpiece", OnnxModel.sha256Hex(bytes), "wordpiece")
  }

  /** The model run on one text alone, output row 0 as [tokens][dim] or [k]. */
  private def direct(model: String, text: String, maxLength: Int = 512): Array[Array[Float]] = {
    val encoded = Tokenizers.encode(tokenizer, maxLength, text)
    val env = OrtEnvironment.getEnvironment()
    val session =
      env.createSession(Files.readAllBytes(textPath(model)), new OrtSession.SessionOptions)
    try {
      val feeds = Map(
        "input_ids" -> encoded.ids,
        "attention_mask" -> encoded.attentionMask,
        "token_type_ids" -> encoded.typeIds
      ).map { case (k, v) => k -> OnnxTensor.createTensor(env, Array(v)) }
      try {
        val result = session.run(feeds.asJava)
        try
          result.get(0).getValue match {
            case out: Array[Array[Array[Float]]] => out(0)
            case out: Array[Array[Float]] => Array(out(0))
          }
        finally result.close()
      } finally feeds.values.foreach(_.close())
    } finally session.close()
  }

  private def mean(tokens: Array[Array[Float]]): Array[Float] =
    tokens.transpose.map(column => (column.map(_.toDouble).sum / tokens.length).toFloat)

  private def normalized(v: Array[Float]): Array[Float] = {
    val norm = math.sqrt(v.map(x => x.toDouble * x).sum)
    v.map(x => (x / norm).toFloat)
  }

  private def assertClose(
      got: scala.collection.Seq[Float],
      want: scala.collection.Seq[Float],
      clue: String
  ): Unit = {
    assert(got.length === want.length, clue)
    got.zip(want).foreach { case (g, w) =>
      assert(math.abs(g - w) <= 1e-5 + 1e-5 * math.abs(w), clue)
    }
  }

  private def textTable(name: String, rows: Seq[String] = texts): Unit = {
    import spark.implicits._
    rows.zipWithIndex
      .toDF("text", "id")
      .repartition(1)
      .sortWithinPartitions("id")
      .createOrReplaceTempView(name)
  }

  private def register(name: String, model: String, options: Map[String, String]): Unit =
    OnnxModels.registerWithOptions(
      spark,
      name,
      textPath(model).toString,
      (options + ("tokenizer" -> textPath("wordpiece.tokenizer.json").toString)).asJava,
      true
    )

  test("mean pooling, normalised, of runs padded to their own longest: as each text run alone") {
    register("enc_mean", "tiny_encoder.onnx", Map("pooling" -> "mean", "normalize" -> "true"))
    textTable("texts")
    val rows = spark
      .sql("SELECT id, text, onnx_predict('enc_mean', text) FROM texts ORDER BY id")
      .collect()
    assert(rows.length === texts.length)
    rows.foreach { row =>
      val want = normalized(mean(direct("tiny_encoder.onnx", row.getString(1))))
      assertClose(row.getSeq[Float](2), want.toSeq, s"row ${row.getInt(0)}")
    }
  }

  test("cls and no pooling, truncation by maxLength, a per-call option overriding registration") {
    register("enc_cls", "tiny_encoder.onnx", Map("pooling" -> "cls", "maxLength" -> "8"))
    textTable("texts")
    val rows = spark
      .sql(
        "SELECT text, onnx_predict('enc_cls', text), " +
          "onnx_predict('enc_cls', text, map('pooling', 'none')) FROM texts"
      )
      .collect()
    rows.foreach { row =>
      val tokens = direct("tiny_encoder.onnx", row.getString(0), maxLength = 8)
      assert(tokens.length <= 8)
      assertClose(row.getSeq[Float](1), tokens(0).toSeq, row.getString(0))
      val perToken = row.getAs[scala.collection.Seq[scala.collection.Seq[Float]]](2)
      assert(perToken.length === tokens.length)
      perToken.zip(tokens).foreach { case (g, w) => assertClose(g, w.toSeq, row.getString(0)) }
    }
  }

  test("a classifier head's logits; its per-model function") {
    register("clf", "tiny_classifier.onnx", Map.empty)
    OnnxModels.registerFunction(spark, "clf")
    textTable("texts")
    val rows = spark.sql("SELECT text, clf(text) FROM texts").collect()
    rows.foreach { row =>
      assertClose(
        row.getSeq[Float](1),
        direct("tiny_classifier.onnx", row.getString(0))(0).toSeq,
        row.getString(0)
      )
    }
  }

  test("null text gives null; empty and blank texts give the model's output for [CLS] [SEP]") {
    register("enc_mean", "tiny_encoder.onnx", Map("pooling" -> "mean"))
    val rows = spark
      .sql(
        "SELECT t, onnx_predict('enc_mean', t) FROM VALUES (CAST(NULL AS STRING)), (''), (' ') AS v(t)"
      )
      .collect()
    assert(rows(0).isNullAt(1))
    val empty = mean(direct("tiny_encoder.onnx", ""))
    assertClose(rows(1).getSeq[Float](1), empty.toSeq, "empty")
    assertClose(rows(2).getSeq[Float](1), empty.toSeq, "blank")
  }

  test("every query shape batches text calls: projection, filter, aggregate, group and sort keys") {
    register("enc_mean", "tiny_encoder.onnx", Map("pooling" -> "mean"))
    textTable("texts")
    val first = "onnx_predict('enc_mean', text)[0]"
    val expected = texts.map(t => mean(direct("tiny_encoder.onnx", t))(0).toDouble)
    val sum = spark.sql(s"SELECT sum($first) FROM texts").head().getDouble(0)
    assert(math.abs(sum - expected.sum) < 1e-4)
    val kept = spark.sql(s"SELECT id FROM texts WHERE $first > 0").collect().map(_.getInt(0)).toSet
    assert(kept === expected.zipWithIndex.filter(_._1 > 0).map(_._2).toSet)
    val sorted = spark.sql(s"SELECT id FROM texts ORDER BY $first").collect().map(_.getInt(0)).toSeq
    assert(sorted === expected.zipWithIndex.sortBy(_._1).map(_._2))
    val groups = spark
      .sql(s"SELECT $first > 0 AS k, count(*) FROM texts GROUP BY $first > 0")
      .collect()
      .map(r => r.getBoolean(0) -> r.getLong(1))
      .toMap
    assert(groups.getOrElse(true, 0L) === expected.count(_ > 0).toLong)
    val plan = spark.sql(s"SELECT sum($first) FROM texts").queryExecution.executedPlan.toString
    assert(plan.contains("OnnxEval"), plan)
  }

  test("length-sorted windows return every result in input order, equal to unsorted runs") {
    register("enc_mean", "tiny_encoder.onnx", Map("pooling" -> "mean"))
    val random = new scala.util.Random(3)
    val words = Seq("alpha", "module", "value", "object", "the", "return", "name", "hello")
    val many = Seq.tabulate(700)(i =>
      Seq.fill(random.nextInt(60))(words(random.nextInt(words.size))).mkString(" ") + s" $i"
    )
    textTable("many", many)
    def scored(options: String): Seq[Seq[Float]] = spark
      .sql(
        s"SELECT onnx_predict('enc_mean', text, map($options)) FROM many ORDER BY id"
      )
      .collect()
      .map(_.getSeq[Float](0))
      .toSeq
    val sorted = scored("'sortByLength', 'true', 'batchSize', '300'")
    val unsorted = scored("'sortByLength', 'false', 'batchSize', '300'")
    assert(sorted.length === many.length)
    sorted.zip(unsorted).zipWithIndex.foreach { case ((a, b), i) => assertClose(a, b, s"row $i") }
    Seq(0, 1, 350, 699).foreach { i =>
      assertClose(sorted(i), mean(direct("tiny_encoder.onnx", many(i))).toSeq, s"row $i")
    }
  }

  test("onnx_tokenize gives the tokenizer's ids, mask and type ids; a configured text model") {
    val row = spark
      .sql(
        "SELECT onnx_tokenize('tiny_text', 'Hello world'), onnx_tokenize('tiny_text', NULL)"
      )
      .head()
    val tokens = row.getStruct(0)
    assert(tokens.getSeq[Long](0) === Seq(1L, 5L, 6L, 2L))
    assert(tokens.getSeq[Long](1) === Seq(1L, 1L, 1L, 1L))
    assert(tokens.getSeq[Long](2) === Seq(0L, 0L, 0L, 0L))
    assert(row.isNullAt(1))
    val pooled =
      spark.sql("SELECT onnx_predict('tiny_text', 'Hello world')").head().getSeq[Float](0)
    assertClose(pooled, mean(direct("tiny_encoder.onnx", "Hello world")).toSeq, "configured")
  }

  test("errors: wrong column type, non-text model, bad tokenizer, text options without one") {
    register("enc_mean", "tiny_encoder.onnx", Map.empty)
    checkError(
      intercept[Exception](spark.sql("SELECT onnx_predict('enc_mean', 42)").collect()),
      "ONNX_TEXT_INPUT_TYPE_MISMATCH",
      Map("model" -> "enc_mean", "column" -> "42", "columnType" -> "INT")
    )
    val notText = intercept[Exception](
      OnnxModels.registerWithOptions(
        spark,
        "digits_text",
        digitsPath.toString,
        Map("tokenizer" -> textPath("wordpiece.tokenizer.json").toString).asJava,
        true
      )
    )
    assert(
      notText.asInstanceOf[org.apache.spark.SparkThrowable].getCondition === "ONNX_NOT_A_TEXT_MODEL"
    )
    val bad = Files.createTempFile("bad", ".json")
    Files.writeString(bad, "{\"not\": \"a tokenizer\"}")
    val invalid = intercept[Exception](
      OnnxModels.registerWithOptions(
        spark,
        "bad_text",
        textPath("tiny_encoder.onnx").toString,
        Map("tokenizer" -> bad.toString).asJava,
        true
      )
    )
    assert(
      invalid
        .asInstanceOf[org.apache.spark.SparkThrowable]
        .getCondition === "ONNX_INVALID_TOKENIZER"
    )
    val options = intercept[Exception](
      OnnxModels.registerWithOptions(
        spark,
        "d2",
        digitsPath.toString,
        Map("pooling" -> "mean").asJava,
        true
      )
    )
    assert(
      options.asInstanceOf[org.apache.spark.SparkThrowable].getCondition === "ONNX_INVALID_OPTION"
    )
    val pooling = intercept[Exception](
      spark.sql("SELECT onnx_predict('enc_mean', 'x', map('pooling', 'max'))").collect()
    )
    assert(
      pooling.asInstanceOf[org.apache.spark.SparkThrowable].getCondition === "ONNX_INVALID_OPTION"
    )
    val tokenize = intercept[Exception](spark.sql("SELECT onnx_tokenize('digits', 'x')").collect())
    assert(
      tokenize
        .asInstanceOf[org.apache.spark.SparkThrowable]
        .getCondition === "ONNX_NOT_A_TEXT_MODEL"
    )
  }

  test("TextEmbedder: vectors as onnx_predict pools them; save/load with model and tokenizer") {
    import org.apache.spark.ml.linalg.Vector
    val embedder = new sparkonnx.ml.TextEmbedder()
      .setModelPath(textPath("tiny_encoder.onnx").toString)
      .setTokenizerPath(textPath("wordpiece.tokenizer.json").toString)
      .setNormalize(true)
      .setInputCol("text")
    textTable("texts")
    val frame = spark.table("texts")
    val vectors = embedder.transform(frame).orderBy("id").collect().map(_.getAs[Vector]("features"))
    vectors.zip(texts).foreach { case (v, text) =>
      assertClose(
        v.toArray.map(_.toFloat).toSeq,
        normalized(mean(direct("tiny_encoder.onnx", text))).toSeq,
        text
      )
    }
    val folder = Files.createTempDirectory("text-embedder").resolve("stage").toString
    embedder.write.save(folder)
    val loaded = sparkonnx.ml.TextEmbedder.load(folder)
    assert(
      loaded.getModelPath.endsWith("model.onnx") && loaded.getTokenizerPath.endsWith(
        "tokenizer.json"
      )
    )
    assert(loaded.getNormalize && loaded.getPooling === "mean" && loaded.getMaxLength === 512)
    val again = loaded.transform(frame).orderBy("id").collect().map(_.getAs[Vector]("features"))
    assert(again.toSeq === vectors.toSeq)
  }
}
