package sparkonnx

import java.nio.file.Files

import org.apache.spark.sql.{DataFrame, Row}
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanHelper
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.runtime.SessionPool
import sparkonnx.sql.execution.OnnxEvalExec

/** The batched operator: where calls are extracted, batch sizes, shared runs, metrics. */
class BatchedEngineSuite extends AnyFunSuite with OnnxSparkSession with AdaptiveSparkPlanHelper {

  private lazy val rows = pixelRows(500, seed = 11)
  private lazy val expected = runDigitsDirectly(rows)

  /** `pixels` as a view with `id`, spread over `partitions` partitions. */
  private def pixelsView(partitions: Int = 4): DataFrame = {
    val data = rows.zipWithIndex.map { case (pixels, id) => Row(id, pixels.toSeq) }.toSeq
    val schema = new StructType().add("id", IntegerType).add("pixels", ArrayType(FloatType))
    val frame = spark.createDataFrame(spark.sparkContext.parallelize(data, partitions), schema)
    frame.createOrReplaceTempView("pixels")
    frame
  }

  private def engines(frame: DataFrame): Seq[OnnxEvalExec] =
    collect(frame.queryExecution.executedPlan) { case exec: OnnxEvalExec => exec }

  private def probabilities(frame: DataFrame): Map[Int, Seq[Float]] =
    frame.collect().map(row => row.getInt(0) -> row.getSeq[Float](1)).toMap

  private def runsDuring(body: => Unit): Long = {
    val before = SessionPool.sessionRuns
    body
    SessionPool.sessionRuns - before
  }

  test("projections run in OnnxEvalExec, shown by EXPLAIN with the model and batch size") {
    pixelsView()
    val frame = spark.sql("SELECT id, onnx_predict('digits', pixels) FROM pixels")
    val explained = frame.queryExecution.explainString(org.apache.spark.sql.execution.SimpleMode)
    assert(explained.contains("OnnxEval [onnx_predict(digits, batchSize=1024)]"), explained)
    val result = probabilities(frame)
    assert(result.size === rows.length)
    rows.indices.foreach(id => assert(result(id).toArray.sameElements(expected(id)), s"row $id"))
    assert(engines(frame).size === 1)
  }

  test("results are bit-for-bit identical whatever the batch size (1, 7, 1024)") {
    pixelsView()
    val bySize = Seq(1, 7, 1024).map { size =>
      spark.conf.set("spark.onnx.batchSize", size.toString)
      try size -> probabilities(spark.sql("SELECT id, onnx_predict('digits', pixels) FROM pixels"))
      finally spark.conf.unset("spark.onnx.batchSize")
    }
    bySize.foreach { case (size, result) =>
      rows.indices.foreach(id =>
        assert(result(id).toArray.sameElements(expected(id)), s"batch $size row $id")
      )
    }
    val perCall = probabilities(
      spark.sql("SELECT id, onnx_predict('digits', pixels, map('batchSize', '7')) FROM pixels")
    )
    assert(perCall === bySize.head._2)
  }

  test("batches: one session run per batch per partition, counted in the SQL metrics") {
    pixelsView(partitions = 2)
    val frame =
      spark.sql("SELECT id, onnx_predict('digits', pixels, map('batchSize', '100')) FROM pixels")
    val runs = runsDuring(frame.collect())
    assert(runs === 6) // two partitions of 250 rows, batches of 100: 3 runs each
    val metrics = engines(frame).head.metrics
    assert(metrics("numOutputRows").value === rows.length)
    assert(metrics("numBatches").value === 6)
    assert(metrics("ortTime").value > 0)
    assert(metrics("convertTime").value > 0)
  }

  test("the same call used twice in a query runs once") {
    pixelsView(partitions = 1)
    val queries = Seq(
      "SELECT p[0], p[1] FROM (SELECT onnx_predict('digits', pixels) AS p FROM pixels)",
      "SELECT onnx_predict('digits', pixels)[0], onnx_predict('digits', pixels)[9] FROM pixels",
      "SELECT onnx_predict('digits', pixels) FROM pixels WHERE onnx_predict('digits', pixels)[0] >= 0"
    )
    queries.foreach { query =>
      assert(runsDuring(spark.sql(query).collect()) === 1, query)
    }
  }

  test("every position gives the right answer: batched where possible, row by row elsewhere") {
    pixelsView()
    val argmax = expected.map(p => p.indexOf(p.max))
    val best = expected.map(_.max.toDouble)
    val cases: Seq[(String, String, Seq[Row])] = Seq(
      (
        "WHERE",
        "SELECT id FROM pixels WHERE array_position(onnx_predict('digits', pixels), " +
          "array_max(onnx_predict('digits', pixels))) = 1 ORDER BY id",
        rows.indices.filter(argmax(_) == 0).map(Row(_))
      ),
      (
        "GROUP BY",
        "SELECT array_position(p, array_max(p)) - 1 AS digit, count(*) FROM " +
          "(SELECT onnx_predict('digits', pixels) AS p FROM pixels) GROUP BY 1 ORDER BY 1",
        argmax.groupBy(identity).toSeq.sortBy(_._1).map { case (d, ids) =>
          Row(d, ids.length.toLong)
        }
      ),
      (
        "GROUP BY expression",
        "SELECT array_position(onnx_predict('digits', pixels), " +
          "array_max(onnx_predict('digits', pixels))) - 1 AS d, count(*) FROM pixels " +
          "GROUP BY array_position(onnx_predict('digits', pixels), " +
          "array_max(onnx_predict('digits', pixels))) - 1 ORDER BY d",
        argmax.groupBy(identity).toSeq.sortBy(_._1).map { case (d, ids) =>
          Row(d, ids.length.toLong)
        }
      ),
      (
        "ORDER BY",
        "SELECT id FROM pixels ORDER BY array_max(onnx_predict('digits', pixels)) DESC, id LIMIT 5",
        rows.indices.sortBy(i => (-best(i), i)).take(5).map(Row(_))
      ),
      (
        "aggregate",
        "SELECT round(sum(array_max(onnx_predict('digits', pixels))), 2) FROM pixels",
        Seq(Row(BigDecimal(best.sum).setScale(2, BigDecimal.RoundingMode.HALF_UP).toDouble))
      ),
      (
        "join condition",
        "SELECT a.id FROM pixels a JOIN pixels b ON a.id = b.id AND " +
          "onnx_predict('digits', a.pixels)[0] = onnx_predict('digits', b.pixels)[0] ORDER BY a.id",
        rows.indices.map(Row(_))
      ),
      (
        "lambda",
        "SELECT id, transform(array(pixels), p -> array_max(onnx_predict('digits', p)))[0] " +
          "FROM pixels ORDER BY id",
        rows.indices.map(i => Row(i, expected(i).max))
      ),
      (
        "nested calls",
        "SELECT id, size(onnx_predict('digits', concat(onnx_predict('digits', " +
          "pixels), slice(pixels, 1, 54)))) FROM pixels ORDER BY id",
        rows.indices.map(Row(_, 10))
      )
    )
    cases.foreach { case (position, query, want) =>
      val got = spark.sql(query).collect().toSeq
      assert(
        got.map(_.toSeq.map {
          case d: Double => BigDecimal(d).setScale(2, BigDecimal.RoundingMode.HALF_UP).toDouble
          case other => other
        }) === want.map(_.toSeq.map {
          case d: Double => BigDecimal(d).setScale(2, BigDecimal.RoundingMode.HALF_UP).toDouble
          case other => other
        }),
        position
      )
    }
  }

  test("a CASE WHEN guard still protects rows it excludes (no eager extraction)") {
    val query = "SELECT CASE WHEN size(p) = 64 THEN size(onnx_predict('digits', p)) END FROM " +
      "VALUES (array_repeat(1.0F, 64)), (array_repeat(1.0F, 63)) AS t(p)"
    assert(spark.sql(query).collect().map(r => Option(r.get(0))).toSeq === Seq(Some(10), None))
  }

  test("try_onnx_predict gives null for rows that cannot be scored, keeps the rest") {
    val data = Seq(
      Row(0, rows(0).toSeq),
      Row(1, rows(1).take(63).toSeq),
      Row(2, null),
      Row(3, rows(3).toSeq)
    )
    val schema = new StructType().add("id", IntegerType).add("pixels", ArrayType(FloatType))
    spark
      .createDataFrame(spark.sparkContext.parallelize(data, 1), schema)
      .createOrReplaceTempView("ragged")
    val result = spark
      .sql("SELECT id, try_onnx_predict('digits', pixels) FROM ragged ORDER BY id")
      .collect()
    assert(result.map(_.getInt(0)).toSeq === Seq(0, 1, 2, 3))
    assert(result(1).isNullAt(1) && result(2).isNullAt(1))
    assert(result(0).getSeq[Float](1).toArray.sameElements(expected(0)))
    assert(result(3).getSeq[Float](1).toArray.sameElements(expected(3)))
  }

  test("one session per model per JVM, however many partitions and tasks") {
    // A distinct model (an unknown protobuf field appended) so the count starts from zero.
    val bytes = Files.readAllBytes(digitsPath) ++ Array[Byte](0xa0.toByte, 0x01, 0x01)
    val before = SessionPool.sessionsCreated
    OnnxModels.register(spark, "digits_copy", bytes)
    pixelsView(partitions = 16)
    val result = spark.sql("SELECT id, onnx_predict('digits_copy', pixels) FROM pixels").collect()
    assert(result.length === rows.length)
    assert(SessionPool.sessionsCreated - before === 1)
  }

  test("fetching only a named output returns that output's type") {
    val schema = spark
      .sql(
        "SELECT onnx_predict('digits', array_repeat(1.0F, 64), " +
          "map('outputs', 'probabilities')) AS p"
      )
      .schema
    assert(schema("p").dataType === ArrayType(FloatType, containsNull = false))
  }

  test("option errors") {
    val cases = Seq(
      (
        "map('outputs', 'nope')",
        "ONNX_UNKNOWN_OUTPUT",
        Map("model" -> "digits", "output" -> "nope", "outputs" -> "probabilities")
      ),
      (
        "map('batchSize', '0')",
        "ONNX_INVALID_OPTION",
        Map(
          "function" -> "onnx_predict",
          "option" -> "batchSize",
          "value" -> "0",
          "reason" -> "must be an integer in [1, 1048576]",
          "options" -> "batchSize, outputs, wholeCall, pooling, normalize, maxLength, sortByLength"
        )
      ),
      (
        "map('speed', 'fast')",
        "ONNX_INVALID_OPTION",
        Map(
          "function" -> "onnx_predict",
          "option" -> "speed",
          "value" -> "fast",
          "reason" -> "unknown option",
          "options" -> "batchSize, outputs, wholeCall, pooling, normalize, maxLength, sortByLength"
        )
      )
    )
    cases.foreach { case (options, condition, parameters) =>
      val error = intercept[org.apache.spark.sql.AnalysisException] {
        spark.sql(s"SELECT onnx_predict('digits', array_repeat(1.0F, 64), $options)").collect()
      }
      checkError(error, condition, parameters)
    }
  }
}
