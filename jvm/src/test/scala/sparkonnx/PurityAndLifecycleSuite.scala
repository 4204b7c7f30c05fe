package sparkonnx

import java.nio.file.{Files, Path, Paths, StandardCopyOption}

import org.apache.spark.SparkException
import org.apache.spark.sql.{AnalysisException, DataFrame, Row, SparkSession}
import org.apache.spark.sql.functions.{col, reverse}
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.conf.OnnxConf
import sparkonnx.runtime.{ModelShipping, SessionPool, ShippingProbe}

/**
 * What analysis and planning leave alone, and the lifecycle of what running creates: a configured
 * model is loaded at analysis without an ONNX Runtime session or a broadcast (both come when a
 * query runs, the broadcast once per model); unregistering or replacing a model destroys its
 * broadcast; an empty partition takes no session lease; a model with external data is budgeted by
 * its own files; the session budget is static, and eviction follows it.
 */
class PurityAndLifecycleSuite extends AnyFunSuite with OnnxSparkSession {

  private lazy val rows = pixelRows(60, seed = 5)
  private lazy val expected = runDigitsDirectly(rows)
  private lazy val folder = Files.createTempDirectory("purity")

  // Models this suite SETs at run time come from its own folder.
  override protected def startupConf: Map[String, String] = Map(
    "spark.onnx.model.allowedRoots" -> folder.toString
  )
  private val digits = Files.readAllBytes(digitsPath)

  /** A distinct, valid model (an unknown protobuf field appended): a session of its own. */
  private def variant(tag: Int): Array[Byte] =
    digits ++ Array[Byte](0xa0.toByte, 0x01, (0x60 + tag).toByte) // tags no other suite uses

  private def variantFile(tag: Int): Path =
    Files.write(folder.resolve(s"variant$tag.onnx"), variant(tag))

  /** `pixels` (id, part, pixels) in 3 partitions of 20 rows; part = the partition. */
  private def pixels(partitions: Int = 3, session: SparkSession = spark): DataFrame = {
    val perPartition = rows.length / partitions
    val data = rows.zipWithIndex.map { case (p, id) => Row(id, id / perPartition, p.toSeq) }
    val schema = new StructType()
      .add("id", IntegerType)
      .add("part", IntegerType)
      .add("pixels", ArrayType(FloatType))
    val frame = session.createDataFrame(sc.parallelize(data.toSeq, partitions), schema)
    frame.createOrReplaceTempView("pixels")
    frame
  }

  private def checkProbabilities(frame: DataFrame): Unit = {
    val result = frame.collect().map(r => r.getInt(0) -> r.getSeq[Float](1)).toMap
    assert(result.nonEmpty)
    result.foreach { case (id, p) => assert(p.toArray.sameElements(expected(id)), s"row $id") }
  }

  private def sc = spark.sparkContext

  private case class Counters(sessions: Long, broadcasts: Int, runs: Long, leases: Long)
  private def counters = Counters(
    SessionPool.sessionsCreated,
    ModelShipping.broadcastCount(sc),
    SessionPool.sessionRuns,
    SessionPool.leasesTaken
  )

  test(
    "a configured model: analysis, EXPLAIN and planning make no session and no broadcast; " +
      "running makes the broadcast once"
  ) {
    spark.conf.set("spark.onnx.model.purity_conf", variantFile(1).toString)
    try {
      pixels()
      val queries: Seq[() => DataFrame] = Seq(
        () => spark.sql("SELECT id, onnx_predict('purity_conf', pixels) AS p FROM pixels"),
        () =>
          spark
            .table("pixels")
            .select(col("id"), functions.onnx_predict("purity_conf", col("pixels")).as("p")),
        () => spark.sql("SELECT sum(onnx_predict('purity_conf', pixels)[0]) FROM pixels"),
        () => spark.sql("SELECT id FROM pixels ORDER BY onnx_predict('purity_conf', pixels)[1]"),
        () => spark.sql("SELECT onnx_predict('purity_conf', array_repeat(1.0F, 64))")
      )
      val before = counters
      queries.foreach { query =>
        assert(query().schema.nonEmpty)
        query().queryExecution.analyzed
        query().queryExecution.optimizedPlan
        query().queryExecution.executedPlan
        query().queryExecution.explainString(org.apache.spark.sql.execution.ExtendedMode)
      }
      Seq("", "EXTENDED ", "FORMATTED ", "COST ").foreach { mode =>
        spark
          .sql(s"EXPLAIN ${mode}SELECT onnx_predict('purity_conf', pixels) FROM pixels")
          .collect()
      }
      assert(OnnxModels.describe(spark, "purity_conf").contains("pixels"))
      assert(counters === before, "analysis or planning made a session, broadcast or run")

      checkProbabilities(queries.head())
      val ran = counters
      assert(ran.sessions - before.sessions === 1, "one session for the model in this JVM")
      assert(ran.broadcasts - before.broadcasts === 1, "one broadcast for the model")
      assert(ran.runs > before.runs)

      checkProbabilities(queries(1)())
      queries(2)().collect()
      assert(counters.sessions === ran.sessions)
      assert(counters.broadcasts === ran.broadcasts, "later queries reuse the broadcast")
    } finally spark.conf.unset("spark.onnx.model.purity_conf")
  }

  test("unregister destroys the model's broadcast") {
    pixels()
    val model = OnnxModels.register(spark, "purity_unregister", variant(2))
    checkProbabilities(
      spark.sql("SELECT id, onnx_predict('purity_unregister', pixels) FROM pixels")
    )
    val broadcast = ShippingProbe.existingBroadcast(sc, model)
    val before = ModelShipping.broadcastCount(sc)
    assert(OnnxModels.unregister(spark, "purity_unregister"))
    assert(ModelShipping.broadcastCount(sc) === before - 1)
    val error = intercept[SparkException](broadcast.value)
    assert(error.getMessage.contains("destroyed"), error.getMessage)
    val gone = intercept[AnalysisException] {
      spark.sql("SELECT onnx_predict('purity_unregister', pixels) FROM pixels").collect()
    }
    assert(gone.getCondition === "ONNX_MODEL_NOT_FOUND")
  }

  test("registering another model with replace destroys the old model's broadcast") {
    pixels()
    val old = OnnxModels.register(spark, "purity_replace", variant(3))
    checkProbabilities(spark.sql("SELECT id, onnx_predict('purity_replace', pixels) FROM pixels"))
    val broadcast = ShippingProbe.existingBroadcast(sc, old)
    val before = ModelShipping.broadcastCount(sc)
    val replacement = OnnxModels.registerWithOptions(
      spark,
      "purity_replace",
      variant(4),
      java.util.Collections.emptyMap[String, String](),
      true
    )
    assert(replacement.sha256 !== old.sha256)
    assert(ModelShipping.broadcastCount(sc) === before - 1)
    intercept[SparkException](broadcast.value)
    // The new model ships its own broadcast, and scores the same (an equivalent graph).
    checkProbabilities(spark.sql("SELECT id, onnx_predict('purity_replace', pixels) FROM pixels"))
    assert(ModelShipping.broadcastCount(sc) === before)
    OnnxModels.unregister(spark, "purity_replace")
  }

  test("a model another name still holds keeps its broadcast when one name goes") {
    pixels()
    val model = OnnxModels.register(spark, "purity_twice_a", variant(5))
    OnnxModels.register(spark, "purity_twice_b", variant(5))
    checkProbabilities(spark.sql("SELECT id, onnx_predict('purity_twice_a', pixels) FROM pixels"))
    val broadcast = ShippingProbe.existingBroadcast(sc, model)
    val before = ModelShipping.broadcastCount(sc)
    OnnxModels.unregister(spark, "purity_twice_a")
    assert(ModelShipping.broadcastCount(sc) === before)
    assert(broadcast.value.length === variant(5).length)
    checkProbabilities(spark.sql("SELECT id, onnx_predict('purity_twice_b', pixels) FROM pixels"))
    OnnxModels.unregister(spark, "purity_twice_b")
    assert(ModelShipping.broadcastCount(sc) === before - 1)
  }

  // Broadcasts are per SparkContext (one per model), shared by all its sessions; each session
  // has its own names. Unregistering in one session must not destroy a broadcast another
  // session's model still ships by: its running queries would fail reading it on an executor
  // that has no session for the model yet ("Attempted to use Broadcast after it was destroyed").
  test("a model another session still names keeps its broadcast when one session unregisters") {
    val other = spark.newSession()
    pixels(session = other)
    val model = OnnxModels.register(spark, "purity_shared_a", variant(8))
    OnnxModels.register(other, "purity_shared_b", variant(8))
    checkProbabilities(other.sql("SELECT id, onnx_predict('purity_shared_b', pixels) FROM pixels"))
    val broadcast = ShippingProbe.existingBroadcast(sc, model)
    val before = ModelShipping.broadcastCount(sc)
    try {
      OnnxModels.unregister(spark, "purity_shared_a")
      assert(
        ModelShipping.broadcastCount(sc) === before,
        "the broadcast went while another session still names the model"
      )
      assert(broadcast.value.length === variant(8).length)
    } finally OnnxModels.unregister(other, "purity_shared_b")
  }

  // A configured model whose path changes is reloaded; the model it replaced is named by
  // nothing any more, so its broadcast is released (when the next query is planned), as
  // register-with-replace does.
  test("a configured model whose path changes releases the old model's broadcast") {
    pixels()
    val query = "SELECT id, onnx_predict('purity_moved', pixels) FROM pixels"
    try {
      spark.conf.set("spark.onnx.model.purity_moved", variantFile(9).toString)
      checkProbabilities(spark.sql(query))
      val before = ModelShipping.broadcastCount(sc)
      spark.conf.set("spark.onnx.model.purity_moved", variantFile(10).toString)
      checkProbabilities(spark.sql(query))
      assert(ModelShipping.broadcastCount(sc) === before, "the old model's broadcast stays")
    } finally spark.conf.unset("spark.onnx.model.purity_moved")
  }

  test("empty partitions take no lease: spark.range(0, 0, 1, 4)") {
    val frame = spark
      .range(0, 0, 1, 4)
      .selectExpr("onnx_predict('digits', array_repeat(CAST(id AS FLOAT), 64)) AS p")
    val before = counters
    assert(frame.collect().isEmpty)
    assert(counters.leases === before.leases)
    assert(counters.runs === before.runs)
  }

  test("partitions a filter empties take no lease: non-empty partitions x calls") {
    pixels()
    val frame = spark.sql(
      "SELECT id, onnx_predict('digits', pixels) AS p, " +
        "onnx_predict('digits', reverse(pixels)) AS r FROM pixels WHERE part = 1"
    )
    val before = counters
    val result = frame.collect()
    assert(result.map(_.getInt(0)).sorted.toSeq === (20 until 40))
    assert(counters.leases - before.leases === 1 * 2, "one partition with rows, two calls")
    checkProbabilities(frame.select("id", "p"))

    val df = spark
      .table("pixels")
      .where(col("part") =!= 0)
      .select(
        col("id"),
        functions.onnx_predict("digits", col("pixels")),
        functions.onnx_predict("digits", reverse(col("pixels")))
      )
    val leases = SessionPool.leasesTaken
    assert(df.collect().length === 40)
    assert(SessionPool.leasesTaken - leases === 2 * 2, "two partitions with rows, two calls")
  }

  test("partitions whose inputs are all null take no lease") {
    pixels()
    val frame = spark.sql(
      "SELECT id, onnx_predict('digits', CASE WHEN part = 1 THEN pixels END) " +
        "AS p FROM pixels"
    )
    val before = SessionPool.leasesTaken
    val result = frame.collect()
    assert(SessionPool.leasesTaken - before === 1, "only partition 1 has an input to score")
    result.foreach { r =>
      val id = r.getInt(0)
      if (id / 20 == 1) assert(r.getSeq[Float](1).toArray.sameElements(expected(id)), s"row $id")
      else assert(r.isNullAt(1), s"row $id")
    }
  }

  test("row-by-row calls take a lease only in partitions that score a row") {
    pixels()
    val frame = spark.sql(
      "SELECT id, CASE WHEN part = 2 THEN onnx_predict('digits', pixels) " +
        "END AS p FROM pixels"
    )
    val before = SessionPool.leasesTaken
    val result = frame.collect()
    assert(SessionPool.leasesTaken - before === 1, "only partition 2 scores")
    result.foreach { r =>
      val id = r.getInt(0)
      if (id / 20 == 2) assert(r.getSeq[Float](1).toArray.sameElements(expected(id)), s"row $id")
      else assert(r.isNullAt(1), s"row $id")
    }
  }

  /**
   * The external-data model (models/testing/external) copied into a folder of its own with an
   * unrelated 2 MB file beside it.
   */
  private lazy val externalCopy: Path = {
    val source = Paths.get("models", "testing", "external")
    val target = Files.createDirectories(folder.resolve("external"))
    Seq("external_matmul.onnx", "external_matmul.weights").foreach { file =>
      Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING)
    }
    Files.write(target.resolve("unrelated.bin"), new Array[Byte](2 << 20))
    target.resolve("external_matmul.onnx")
  }

  test("a model with external data is budgeted by its own files, not its folder") {
    val path = externalCopy
    val own = Files.size(path) + Files.size(path.resolveSibling("external_matmul.weights"))
    val registered = OnnxModels.register(spark, "purity_external", path.toString)
    assert(registered.localFile.nonEmpty)
    assert(OnnxModels.lookup(spark, "purity_external").sizeBytes === own)
    spark.conf.set("spark.onnx.model.purity_external_conf", path.toString)
    try assert(OnnxModels.lookup(spark, "purity_external_conf").sizeBytes === own)
    finally spark.conf.unset("spark.onnx.model.purity_external_conf")

    // Shipped by its path, never broadcast; scores as ONNX Runtime does directly.
    val x = Seq(Seq(1f, 2f, 3f, 4f), Seq(-0.5f, 0f, 0.25f, 8f), Seq(0f, 0f, 0f, 0f))
    val broadcasts = ModelShipping.broadcastCount(sc)
    val frame = spark.createDataFrame(
      spark.sparkContext.parallelize(x.zipWithIndex.map { case (v, id) => Row(id, v) }, 2),
      new StructType().add("id", IntegerType).add("x", ArrayType(FloatType))
    )
    val got = frame
      .select(col("id"), functions.onnx_predict("purity_external", col("x")))
      .collect()
      .sortBy(_.getInt(0))
      .map(r => Nd.of(r.get(1)))
    val ort = new OrtDirect
    try {
      val want = ort.run(path, Map("x" -> Feed.floats(Seq(3L, 4), x.flatten)))("y")
      got.indices.foreach(i => OrtDirect.assertClose(got(i), want.take(0, i), s"row $i"))
    } finally ort.close()
    assert(ModelShipping.broadcastCount(sc) === broadcasts)
    OnnxModels.unregister(spark, "purity_external")
  }

  test("the session budget is the static setting, read once; eviction follows the budget") {
    pixels()
    val (a, b) = (variantFile(6), variantFile(7))
    spark.conf.set("spark.onnx.model.purity_a", a.toString)
    spark.conf.set("spark.onnx.model.purity_b", b.toString)
    def score(model: String): Unit =
      checkProbabilities(spark.sql(s"SELECT id, onnx_predict('$model', pixels) FROM pixels"))
    try {
      // Static: SET refuses it; it is read once, from the configuration Spark started with.
      assert(
        intercept[AnalysisException](
          spark.conf.set(OnnxConf.SESSION_CACHE_MAX_BYTES.key, "1")
        ).getCondition ===
          "CANNOT_MODIFY_STATIC_CONFIG"
      )
      val created = SessionPool.sessionsCreated
      val closed = SessionPool.sessionsClosed
      score("purity_a")
      score("purity_b")
      assert(SessionPool.sessionsCreated - created === 2)
      assert(SessionPool.sessionsClosed === closed, "the default budget holds both models")

      // Room for one model: each new session evicts the idle one used least recently.
      SessionPool.overrideBudget(Some(digits.length.toLong * 3 / 2))
      try {
        assert(SessionPool.sessionsOpen === 1, "the budget evicts at once")
        val (created1, closed1) = (SessionPool.sessionsCreated, SessionPool.sessionsClosed)
        score("purity_a")
        score("purity_b")
        score("purity_a")
        assert(SessionPool.sessionsOpen === 1)
        assert(SessionPool.sessionsCreated - created1 >= 2, "evicted sessions are rebuilt")
        assert(SessionPool.sessionsClosed - closed1 >= 2)
        val (created2, closed2) = (SessionPool.sessionsCreated, SessionPool.sessionsClosed)
        score("purity_a") // the open one: reused
        assert(SessionPool.sessionsCreated === created2)
        assert(SessionPool.sessionsClosed === closed2)
      } finally SessionPool.overrideBudget(None)

      val (created3, closed3) = (SessionPool.sessionsCreated, SessionPool.sessionsClosed)
      score("purity_b")
      score("purity_a")
      score("purity_b")
      assert(SessionPool.sessionsCreated - created3 === 1, "b rebuilt once, then both kept")
      assert(SessionPool.sessionsClosed === closed3)
    } finally {
      spark.conf.unset("spark.onnx.model.purity_a")
      spark.conf.unset("spark.onnx.model.purity_b")
    }
  }
}
