package sparkonnx

import java.nio.file.Paths

import org.apache.spark.sql.{Column, DataFrame, Row}
import org.apache.spark.sql.execution.{FilterExec, SortExec, SparkPlan, TakeOrderedAndProjectExec}
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanHelper
import org.apache.spark.sql.execution.aggregate.BaseAggregateExec
import org.apache.spark.sql.execution.joins.BaseJoinExec
import org.apache.spark.sql.execution.window.WindowExec
import org.apache.spark.sql.expressions.Window
import org.apache.spark.sql.functions._
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.runtime.SessionPool
import sparkonnx.sql.execution.{OnnxEvalExec, OnnxPredictRowwise}
import sparkonnx.sql.functions.OnnxPredict

/**
 * The query shapes people write around `onnx_predict`, through SQL and the DataFrame API: an
 * aggregate, GROUP BY a call, ORDER BY a call in the sort key only, join conditions with a call on
 * one side, a window over a call, `WHERE guard AND prediction`. Each executed plan (AQE's final
 * plan) has an `OnnxEvalExec` below the operator and no row-by-row call; the answers match ONNX
 * Runtime run directly. A CASE WHEN branch and a lambda stay row by row and still give the right
 * answers. Planning and EXPLAIN over local data run no model. The Python twin is
 * tests/test_contract_queries.py.
 */
class QueryShapesSuite extends AnyFunSuite with OnnxSparkSession with AdaptiveSparkPlanHelper {

  private lazy val rows = pixelRows(200, seed = 21)
  private lazy val probs = runDigitsDirectly(rows)
  private def label(id: Int): Int = id % 10
  private def argmax(p: Array[Float]): Int = p.indexOf(p.max)

  private val classes = Seq.tabulate(10)(i => (i, s"class$i"))
  private val guarded = Seq(
    Seq(1f, 2f, -1f, 0.5f),
    Seq(1f, 2f, 3f),
    Seq(-4f, 1f, 1f, 1f),
    Seq(0f, 0f, 0f, 0f),
    Seq(9f),
    Seq(0.5f, 0.5f, -0.25f, 0f)
  )
  private val positivePath =
    Paths.get("models", "testing", "contract", "positive.onnx").toAbsolutePath

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    val data = rows.zipWithIndex.map { case (p, id) => Row(id, label(id), p.toSeq) }.toSeq
    val schema = new StructType()
      .add("id", IntegerType)
      .add("label", IntegerType)
      .add("pixels", ArrayType(FloatType))
    spark
      .createDataFrame(spark.sparkContext.parallelize(data, 4), schema)
      .createOrReplaceTempView("digits_test")
    spark.createDataFrame(classes).toDF("cls", "name").createOrReplaceTempView("classes")
    val guardedRows = guarded.zipWithIndex.map { case (x, id) => Row(id, x) }
    spark
      .createDataFrame(
        spark.sparkContext.parallelize(guardedRows, 1),
        new StructType().add("id", IntegerType).add("x", ArrayType(FloatType))
      )
      .createOrReplaceTempView("guarded")
    OnnxModels.register(spark, "c_positive", positivePath.toString)
  }

  private def digits: DataFrame = spark.table("digits_test")
  private def p: Column = functions.onnx_predict("digits", col("pixels"))
  private def argmaxOf(c: Column): Column = array_position(c, array_max(c)) - 1

  /** ids of the guarded rows that have 4 values and a positive sum, by ONNX Runtime directly. */
  private def positiveIds: Seq[Int] = {
    val ort = new OrtDirect
    try {
      val good = guarded.zipWithIndex.filter(_._1.length == 4)
      val y = ort.run(
        positivePath,
        Map("x" -> Feed.floats(Seq(good.length.toLong, 4), good.flatMap(_._1)))
      )("y")
      good.map(_._2).zip(y.values).collect { case (id, keep) if keep == 1.0 => id }
    } finally ort.close()
  }

  private def engines(plan: SparkPlan): Seq[OnnxEvalExec] = collect(plan) {
    case exec: OnnxEvalExec => exec
  }

  /** Nodes other than OnnxEvalExec holding a call: scored row by row (or never planned). */
  private def rowwise(plan: SparkPlan): Seq[SparkPlan] = collect(plan) {
    case node if !node.isInstanceOf[OnnxEvalExec] && node.expressions.exists(_.exists {
          case _: OnnxPredictRowwise | _: OnnxPredict => true
          case _ => false
        }) =>
      node
  }

  /**
   * A query shape: SQL and the DataFrame API for the same query, the operator that must have an
   * `OnnxEvalExec` below it, and the expected rows (compared as sorted by their first column,
   * unless `ordered`).
   */
  private case class Shape(
      title: String,
      sql: String,
      frame: () => DataFrame,
      operator: PartialFunction[SparkPlan, SparkPlan],
      expected: () => Seq[Seq[Any]],
      ordered: Boolean = false
  )

  private val aggregate: PartialFunction[SparkPlan, SparkPlan] = { case a: BaseAggregateExec => a }
  private val sort: PartialFunction[SparkPlan, SparkPlan] = {
    case s: TakeOrderedAndProjectExec => s
    case s: SortExec => s
  }
  private val join: PartialFunction[SparkPlan, SparkPlan] = { case j: BaseJoinExec => j }
  private val window: PartialFunction[SparkPlan, SparkPlan] = { case w: WindowExec => w }
  private val filter: PartialFunction[SparkPlan, SparkPlan] = { case f: FilterExec => f }

  private def ids = rows.indices

  private val shapes = Seq(
    Shape(
      "an aggregate: sum(onnx_predict(...)[0])",
      "SELECT sum(onnx_predict('digits', pixels)[0]) AS v FROM digits_test",
      () => digits.agg(sum(p(0)).as("v")),
      aggregate,
      () => Seq(Seq(probs.map(_(0).toDouble).sum))
    ),
    Shape(
      "GROUP BY a call",
      "SELECT array_position(onnx_predict('digits', pixels), " +
        "array_max(onnx_predict('digits', pixels))) - 1 AS cls, count(*) AS n FROM digits_test " +
        "GROUP BY array_position(onnx_predict('digits', pixels), " +
        "array_max(onnx_predict('digits', pixels))) - 1",
      () => digits.groupBy(argmaxOf(p).as("cls")).count(),
      aggregate,
      () =>
        probs.map(argmax).groupBy(identity).toSeq.map { case (k, v) =>
          Seq(k.toLong, v.length.toLong)
        }
    ),
    Shape(
      "ORDER BY a call in the sort key only, LIMIT 5",
      "SELECT id FROM digits_test ORDER BY onnx_predict('digits', pixels)[0] DESC LIMIT 5",
      () => digits.orderBy(p(0).desc).limit(5).select("id"),
      sort,
      () => ids.sortBy(i => -probs(i)(0)).take(5).map(Seq(_)),
      ordered = true
    ),
    Shape(
      "a join condition with a call on one side (no equi-key)",
      "SELECT t.id, c.name FROM digits_test t JOIN classes c " +
        "ON onnx_predict('digits', t.pixels)[c.cls] > 0.2",
      () =>
        digits
          .as("t")
          .join(
            spark.table("classes").as("c"),
            functions.onnx_predict("digits", col("t.pixels"))(col("c.cls")) > 0.2
          )
          .select("t.id", "c.name"),
      join,
      () => for (i <- ids; (k, n) <- classes if probs(i)(k) > 0.2f) yield Seq(i, n)
    ),
    Shape(
      "a join condition with an equi-key and a call on one side",
      "SELECT t.id, c.name FROM digits_test t JOIN classes c " +
        "ON c.cls = t.label AND onnx_predict('digits', t.pixels)[0] < 0.5",
      () =>
        digits
          .as("t")
          .join(
            spark.table("classes").as("c"),
            col("c.cls") === col("t.label") &&
              functions.onnx_predict("digits", col("t.pixels"))(0) < 0.5
          )
          .select("t.id", "c.name"),
      join,
      () => ids.filter(i => probs(i)(0) < 0.5f).map(i => Seq(i, s"class${label(i)}"))
    ),
    Shape(
      "a window over a call",
      "SELECT id, avg(onnx_predict('digits', pixels)[label]) OVER (PARTITION BY label) AS m " +
        "FROM digits_test",
      () =>
        digits.select(col("id"), avg(p(col("label"))).over(Window.partitionBy("label")).as("m")),
      window,
      () => {
        val means = ids.groupBy(label).map { case (k, members) =>
          k -> members.map(i => probs(i)(k).toDouble).sum / members.length
        }
        ids.map(i => Seq(i, means(label(i))))
      }
    ),
    Shape(
      "a window ordered by a call",
      "SELECT id, row_number() OVER (PARTITION BY label " +
        "ORDER BY onnx_predict('digits', pixels)[0] DESC) AS r FROM digits_test",
      () =>
        digits.select(
          col("id"),
          row_number().over(Window.partitionBy("label").orderBy(p(0).desc)).as("r")
        ),
      window,
      () =>
        ids
          .groupBy(label)
          .values
          .flatMap { members =>
            members.sortBy(i => -probs(i)(0)).zipWithIndex.map { case (i, r) => Seq(i, r + 1) }
          }
          .toSeq
    ),
    Shape(
      "ORDER BY a call without LIMIT",
      "SELECT id FROM digits_test ORDER BY onnx_predict('digits', pixels)[0] DESC, id",
      () => digits.orderBy(p(0).desc, col("id")).select("id"),
      sort,
      () => ids.sortBy(i => (-probs(i)(0), i)).map(Seq(_)),
      ordered = true
    ),
    Shape(
      "an aggregate's FILTER clause",
      "SELECT count(*) FILTER (WHERE onnx_predict('digits', pixels)[0] > 0.1) AS n, " +
        "sum(id) FILTER (WHERE onnx_predict('digits', pixels)[1] > 0.1) AS s FROM digits_test",
      () =>
        digits.agg(count(when(p(0) > 0.1, 1)).as("n"), sum(when(p(1) > 0.1, col("id"))).as("s")),
      aggregate,
      () =>
        Seq(
          Seq(
            ids.count(i => probs(i)(0) > 0.1f).toLong,
            ids.filter(i => probs(i)(1) > 0.1f).map(_.toLong).sum
          )
        )
    ),
    Shape(
      "a left outer join condition with a call on the preserved side",
      "SELECT t.id, c.name FROM digits_test t LEFT JOIN classes c " +
        "ON c.cls = t.label AND onnx_predict('digits', t.pixels)[0] < 0.5",
      () =>
        digits
          .as("t")
          .join(
            spark.table("classes").as("c"),
            col("c.cls") === col("t.label") &&
              functions.onnx_predict("digits", col("t.pixels"))(0) < 0.5,
            "left_outer"
          )
          .select("t.id", "c.name"),
      join,
      () => ids.map(i => Seq(i, if (probs(i)(0) < 0.5f) s"class${label(i)}" else null))
    ),
    Shape(
      "GROUP BY the call itself, under a WHERE guard",
      "SELECT onnx_predict('c_positive', x) AS k, count(*) AS n FROM guarded " +
        "WHERE size(x) = 4 GROUP BY onnx_predict('c_positive', x)",
      () =>
        spark
          .table("guarded")
          .where(size(col("x")) === 4)
          .groupBy(functions.onnx_predict("c_positive", col("x")).as("k"))
          .count(),
      aggregate,
      () => {
        val positive = positiveIds.toSet
        guarded.indices
          .filter(guarded(_).length == 4)
          .groupBy(positive.contains)
          .toSeq
          .map { case (k, v) => Seq(k, v.length.toLong) }
      }
    ),
    Shape(
      "WHERE guard AND onnx_predict(...)",
      "SELECT id FROM guarded WHERE size(x) = 4 AND onnx_predict('c_positive', x)",
      () =>
        spark
          .table("guarded")
          .where(size(col("x")) === 4 && functions.onnx_predict("c_positive", col("x")))
          .select("id"),
      filter,
      () => positiveIds.map(Seq(_))
    )
  )

  private def sameRows(actual: Seq[Row], expected: Seq[Seq[Any]], ordered: Boolean): Unit = {
    def key(r: Seq[Any]) = r.head.toString
    val got = if (ordered) actual.map(_.toSeq) else actual.map(_.toSeq).sortBy(key)
    val want = if (ordered) expected else expected.sortBy(key)
    assert(got.length === want.length, s"rows: $got")
    got.zip(want).foreach { case (g, w) =>
      assert(g.length === w.length)
      g.zip(w).foreach {
        case (a: Double, b: Double) =>
          assert(math.abs(a - b) <= 1e-9 * math.max(1.0, math.abs(b)), s"$g vs $w")
        case (a, b) => assert(a === b, s"$g vs $w")
      }
    }
  }

  for (shape <- shapes; api <- Seq("SQL", "DataFrame")) {
    test(s"${shape.title} ($api): OnnxEvalExec below the operator, ORT's answers") {
      val frame = if (api == "SQL") spark.sql(shape.sql) else shape.frame()
      val want = shape.expected()
      assert(want.nonEmpty, "the data gives the shape something to find")
      sameRows(frame.collect().toSeq, want, shape.ordered)
      val plan = frame.queryExecution.executedPlan
      val operators = collect(plan)(shape.operator)
      assert(operators.nonEmpty, s"no such operator in\n$plan")
      assert(
        operators.exists(op => engines(op).nonEmpty),
        s"no OnnxEvalExec below the operator in\n$plan"
      )
      assert(rowwise(plan).isEmpty, s"a call scored row by row in\n$plan")
    }
  }

  test("the ORDER BY call runs once per row, not in the sort's comparisons") {
    val before = SessionPool.sessionRuns
    spark
      .sql(
        "SELECT id FROM digits_test ORDER BY onnx_predict('digits', pixels)[0] DESC " +
          "LIMIT 5"
      )
      .collect()
    // Four partitions of 50 rows, one batch each.
    assert(SessionPool.sessionRuns - before === 4)
  }

  private val caseWhen = Seq(
    "SQL" -> (() =>
      spark.sql(
        "SELECT id, CASE WHEN id % 2 = 0 THEN " +
          "onnx_predict('digits', pixels)[0] END AS v FROM digits_test"
      )
    ),
    "DataFrame" -> (() => digits.select(col("id"), when(col("id") % 2 === 0, p(0)).as("v")))
  )

  for ((api, frame) <- caseWhen) {
    test(s"a call in a CASE WHEN branch ($api) runs row by row, right answers") {
      val result = frame().collect().map(r => r.getInt(0) -> Option(r.get(1))).toMap
      assert(result.size === rows.length)
      ids.foreach { i =>
        if (i % 2 == 1) assert(result(i) === None, s"row $i")
        else assert(math.abs(result(i).get.asInstanceOf[Float] - probs(i)(0)) <= 1e-6, s"row $i")
      }
      assert(rowwise(frame().queryExecution.executedPlan).nonEmpty)
    }
  }

  private val lambda = Seq(
    "SQL" -> (() =>
      spark.sql(
        "SELECT id, transform(array(pixels), " +
          "q -> array_max(onnx_predict('digits', q)))[0] AS v FROM digits_test"
      )
    ),
    "DataFrame" -> (() =>
      digits.select(
        col("id"),
        transform(array(col("pixels")), q => array_max(functions.onnx_predict("digits", q)))(0)
          .as("v")
      )
    )
  )

  for ((api, frame) <- lambda) {
    test(s"a call in a lambda ($api) runs row by row, right answers") {
      val result = frame().collect().map(r => r.getInt(0) -> r.getFloat(1)).toMap
      assert(result.size === rows.length)
      ids.foreach(i => assert(math.abs(result(i) - probs(i).max) <= 1e-6, s"row $i"))
      assert(rowwise(frame().queryExecution.executedPlan).nonEmpty)
    }
  }

  private val local = Seq(Array.fill(64)(0.25f), Array.tabulate(64)(_ / 16f))
  private val valuesSql = "SELECT id, onnx_predict('digits', pixels) AS p FROM VALUES " +
    local.zipWithIndex
      .map { case (x, i) => s"($i, array(${x.map(v => s"${v}F").mkString(", ")}))" }
      .mkString(", ") + " AS t(id, pixels)"

  private def localFrame: DataFrame = {
    val session = spark
    import session.implicits._
    local.zipWithIndex
      .map { case (x, i) => (i, x.toSeq) }
      .toDF("id", "pixels")
      .select(col("id"), functions.onnx_predict("digits", col("pixels")).as("p"))
  }

  test("EXPLAIN and planning over VALUES and local data run no model; running them does") {
    val before = SessionPool.sessionRuns
    Seq("", "EXTENDED ", "FORMATTED ", "COST ", "CODEGEN ").foreach { mode =>
      val explained = spark.sql(s"EXPLAIN $mode$valuesSql").collect().head.getString(0)
      assert(explained.contains("onnx_predict"), explained)
    }
    spark.sql(valuesSql).queryExecution.executedPlan
    localFrame.queryExecution.executedPlan
    localFrame.queryExecution.optimizedPlan
    localFrame.explain(extended = true)
    assert(SessionPool.sessionRuns === before, "planning ran a model")

    val expected = runDigitsDirectly(local.toArray)
    Seq(spark.sql(valuesSql), localFrame).foreach { frame =>
      val runs = SessionPool.sessionRuns
      val result = frame.collect().map(r => r.getInt(0) -> r.getSeq[Float](1)).toMap
      assert(SessionPool.sessionRuns > runs, "running scored")
      local.indices.foreach(i => assert(result(i).toArray.sameElements(expected(i)), s"row $i"))
      assert(engines(frame.queryExecution.executedPlan).nonEmpty)
    }
  }
}
