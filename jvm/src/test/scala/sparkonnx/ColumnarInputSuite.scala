package sparkonnx

import java.nio.file.Files

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.{DataFrame, Row}
import org.apache.spark.sql.execution.{ColumnarToRowExec, SparkPlan}
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanHelper
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.sql.execution.OnnxEvalExec

/**
 * The columnar input path: over a Parquet or ORC scan, `OnnxEvalExec` reads the column batches
 * itself (no `ColumnarToRowExec` between them) and copies array columns into tensors in blocks.
 * Each query's answers equal ONNX Runtime's on the same rows and the row path's
 * (`spark.onnx.columnarInput=false`), with the operator's batches straddling the column batches
 * (7-row column batches, batches of 5 and 1,024 rows), pass-through columns of every kind, null
 * rows, a null element (refused, or null under `try_onnx_predict` with the other rows right),
 * integer columns converted element by element, and the call inside an aggregate.
 */
class ColumnarInputSuite extends AnyFunSuite with OnnxSparkSession with AdaptiveSparkPlanHelper {

  private val count = 300
  private lazy val pixels = pixelRows(count, seed = 5)
  private lazy val expected = runDigitsDirectly(pixels)
  // Row 17's pixels are null; row 23 holds a null element.
  private val nullRow = 17
  private val nullElement = 23

  private lazy val folder = Files.createTempDirectory("columnar-input")

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    val schema = new StructType()
      .add("id", IntegerType)
      .add("name", StringType)
      .add("tags", ArrayType(StringType))
      .add("pixels", ArrayType(FloatType))
      .add("counts", ArrayType(IntegerType))
    val rows = pixels.zipWithIndex.map { case (p, id) =>
      val values: Seq[Any] =
        if (id == nullElement) p.toSeq.updated(9, null) else p.toSeq
      Row(
        id,
        s"row $id " + "x" * (id % 13),
        Seq.tabulate(id % 4)(t => s"t$t"),
        if (id == nullRow) null else values,
        p.map(_.toInt).toSeq
      )
    }
    val frame = spark.createDataFrame(spark.sparkContext.parallelize(rows.toSeq, 3), schema)
    frame.write.parquet(folder.resolve("parquet").toString)
    frame.write.orc(folder.resolve("orc").toString)
  }

  override protected def afterAll(): Unit = {
    try spark.conf.unset("spark.sql.parquet.columnarReaderBatchSize")
    finally super.afterAll()
  }

  /** `query` over view `t` (the files read in 7-row column batches), with `settings` set. */
  private def run(format: String, query: String, settings: (String, String)*): DataFrame = {
    spark.conf.set("spark.sql.parquet.columnarReaderBatchSize", "7")
    spark.conf.set("spark.sql.orc.columnarReaderBatchSize", "7")
    settings.foreach { case (k, v) => spark.conf.set(k, v) }
    spark.read.format(format).load(folder.resolve(format).toString).createOrReplaceTempView("t")
    spark.sql(query)
  }

  private def withSettings[T](settings: (String, String)*)(body: => T): T =
    try body
    finally {
      (settings.map(_._1) ++ Seq(
        "spark.sql.parquet.columnarReaderBatchSize",
        "spark.sql.orc.columnarReaderBatchSize"
      )).foreach(spark.conf.unset)
    }

  private def evals(plan: SparkPlan): Seq[OnnxEvalExec] = collect(plan) { case e: OnnxEvalExec =>
    e
  }

  private def assertReadsColumns(frame: DataFrame, columnar: Boolean): Unit = {
    val plan = frame.queryExecution.executedPlan
    val found = evals(plan)
    assert(found.nonEmpty, plan)
    found.foreach { e =>
      assert(e.child.supportsColumnar === columnar, plan)
      assert(e.child.exists(_.isInstanceOf[ColumnarToRowExec]) === !columnar, plan)
      assert(e.simpleString(10).contains("columnar input") === columnar, plan)
    }
  }

  private def assertDigits(got: Any, id: Int): Unit = {
    val values = got.asInstanceOf[scala.collection.Seq[Float]]
    OrtDirect.assertClose(Nd.of(values), Nd.of(expected(id).toSeq), s"row $id")
  }

  private val projection =
    "SELECT id, name, tags, try_onnx_predict('digits', pixels) AS p FROM t"

  for (format <- Seq("parquet", "orc"); batch <- Seq("5", "1024"); columnar <- Seq(true, false)) {
    val mode = if (columnar) "column vectors" else "rows (spark.onnx.columnarInput=false)"
    test(s"$format through $mode, batches of $batch: pass-through columns and ORT's numbers") {
      val settings =
        Seq("spark.onnx.batchSize" -> batch, "spark.onnx.columnarInput" -> columnar.toString)
      withSettings(settings: _*) {
        val frame = run(format, projection, settings: _*)
        assertReadsColumns(frame, columnar)
        val out = frame.collect().sortBy(_.getInt(0))
        assert(out.length === count)
        out.foreach { row =>
          val id = row.getInt(0)
          assert(row.getString(1) === s"row $id " + "x" * (id % 13))
          assert(row.getSeq[String](2) === Seq.tabulate(id % 4)(t => s"t$t"))
          if (id == nullRow || id == nullElement) assert(row.isNullAt(3), s"row $id")
          else assertDigits(row.get(3), id)
        }
      }
    }
  }

  test("a filter below the call runs on the column batches: the rows it drops are never scored") {
    withSettings() {
      // Row 23's null element would fail onnx_predict: the filter must drop it before scoring.
      val frame = run(
        "parquet",
        s"""SELECT id, name, onnx_predict('digits', pixels) AS p FROM t
           |WHERE id % 2 = 0 AND id <> $nullElement AND pixels IS NOT NULL""".stripMargin
      )
      assertReadsColumns(frame, columnar = true)
      assert(evals(frame.queryExecution.executedPlan).exists(_.inputFilter.nonEmpty))
      val out = frame.collect()
      assert(out.map(_.getInt(0)).sorted.toSeq === (0 until count by 2).filter(_ != nullRow))
      out.foreach { row =>
        val id = row.getInt(0)
        assert(row.getString(1) === s"row $id " + "x" * (id % 13))
        assertDigits(row.get(2), id)
      }
    }
  }

  test("a null element in a column batch is refused with the column named") {
    withSettings() {
      val error = intercept[Exception] {
        run("parquet", "SELECT onnx_predict('digits', pixels) FROM t").collect()
      }
      val condition = Iterator
        .iterate[Throwable](error)(_.getCause)
        .takeWhile(_ != null)
        .collectFirst { case e: SparkThrowable if e.getCondition != null => e }
      assert(condition.map(_.getCondition) === Some("ONNX_NULL_IN_ARRAY"), error)
      assert(error.getMessage.contains("pixels"), error.getMessage)
    }
  }

  test("integer arrays convert element by element from the column vectors") {
    withSettings() {
      val frame = run("parquet", "SELECT id, onnx_predict('digits', counts) FROM t")
      assertReadsColumns(frame, columnar = true)
      frame.collect().foreach(row => assertDigits(row.get(1), row.getInt(0)))
    }
  }

  test("a call inside sum() and GROUP BY over Parquet still reads the column batches") {
    withSettings() {
      val frame = run(
        "parquet",
        """SELECT id % 3 AS g, sum(try_onnx_predict('digits', pixels)[2]) AS s
          |FROM t GROUP BY id % 3""".stripMargin
      )
      val got = frame.collect().map(r => r.getInt(0) -> r.getDouble(1)).toMap
      assertReadsColumns(frame, columnar = true)
      val want = (0 until count)
        .filterNot(id => id == nullRow || id == nullElement)
        .groupBy(_ % 3)
        .map { case (g, ids) => g -> ids.map(id => expected(id)(2).toDouble).sum }
      assert(got.keySet === want.keySet)
      want.foreach { case (g, sum) => assert(math.abs(got(g) - sum) < 1e-3, s"group $g") }
    }
  }
}
