package sparkonnx

import java.nio.file.{Path, Paths}

import scala.jdk.CollectionConverters._

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.{AnalysisException, Column, DataFrame, Row}
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanHelper
import org.apache.spark.sql.functions.{col, expr}
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.errors.OnnxErrorConditions
import sparkonnx.sql.execution.{OnnxEvalExec, OnnxPredictRowwise}

/**
 * The row <-> tensor contract (docs/tensors.md), table-driven: one small model per rule
 * (models/testing/contract, built by models/build_test_models.py), each case through SQL and
 * through the DataFrame API (`sparkonnx.functions`), against ONNX Runtime's Java API run directly
 * on the same inputs: per row (the row alone as a batch of one, or padded to a fixed batch), or in
 * whole-call mode the row's full tensors. Each case also runs row by row (the call in a CASE WHEN
 * branch, which is never batched). Then the inputs the contract refuses, each with its condition:
 * at analysis for `onnx_predict` and `try_onnx_predict` alike, or at run time (a ragged row is null
 * under `try_onnx_predict`, the other rows still right). The Python twin is tests/test_contract.py
 * and tests/test_contract_errors.py.
 */
class ContractSuite extends AnyFunSuite with OnnxSparkSession with AdaptiveSparkPlanHelper {
  import ContractSuite._

  private val ort = new OrtDirect

  private def modelPath(model: String): Path =
    Paths.get("models", "testing", "contract", s"$model.onnx").toAbsolutePath

  private def name(model: String): String = s"c_$model"

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    Seq(
      "state",
      "state_unnamed",
      "rank0",
      "matmul",
      "fixed4",
      "transpose",
      "gap",
      "seq_sum",
      "nested45",
      "nested32",
      "argmax_batch",
      "reduce_all",
      "constant",
      "scalars_only",
      "concat_batch",
      "unique",
      "two_batch_names",
      "mixed_batch"
    )
      .foreach(model => OnnxModels.register(spark, name(model), modelPath(model).toString))
  }

  override protected def afterAll(): Unit = {
    try ort.close()
    finally super.afterAll()
  }

  // ---- inputs -----------------------------------------------------------------------------

  private val random = new scala.util.Random(12)
  private def floats(n: Int): Seq[Float] = Seq.fill(n)(random.nextGaussian().toFloat)
  private def matrix(rows: Int, cols: Int): Seq[Seq[Float]] = Seq.fill(rows)(floats(cols))
  private def image(h: Int, w: Int): Seq[Seq[Seq[Float]]] = Seq.fill(3)(matrix(h, w))

  private val x4 = Seq.fill(5)(floats(4))
  private val state = Seq.fill(5)(matrix(2, 3))
  private val x5 = Seq.fill(6)(floats(5))
  private val x6 = Seq.fill(10)(floats(6))
  private val x3 = Seq.fill(5)(floats(3))
  private val w43: Seq[Seq[Float]] =
    Seq.tabulate(4, 3)((r, c) => (r * 3 + c).toFloat / 8 - 0.75f)
  private def floatLiteral(f: Float): String = s"CAST(${f.toString} AS FLOAT)"
  private val wNested = w43
    .map(_.map(floatLiteral).mkString("array(", ", ", ")"))
    .mkString("array(", ", ", ")")
  private val wFlat = w43.flatten.map(floatLiteral).mkString("array(", ", ", ")")
  private val tokens = Seq(3, 7, 1, 7, 7, 4, 1).map(n => Seq.fill(n)(random.nextInt(100) - 50L))
  private val imageSizes = Seq((5, 4), (5, 4), (3, 7), (5, 4), (2, 2), (3, 7), (9, 1))

  private val floatArray = ArrayType(FloatType)
  private val floatMatrix = ArrayType(floatArray)
  private val floatCube = ArrayType(floatMatrix)

  // ---- ONNX Runtime run directly -------------------------------------------------------------

  private def floatFeed(value: Any, shape: Long*): Feed = Feed.floats(shape, Feed.flatten(value))

  /**
   * ORT on one row: `feeds` gives batch-of-one tensors; each output's row is index 0 along its
   * batch axis (`axes`, default 0).
   */
  private def perRow(model: String, axes: Map[String, Int] = Map.empty)(
      feeds: Seq[Any] => Map[String, Feed]
  ): Seq[Any] => Map[String, Nd] = row =>
    ort.run(modelPath(model), feeds(row)).map { case (output, value) =>
      output -> value.take(axes.getOrElse(output, 0), 0)
    }

  /** ORT on the row's full tensors (whole-call mode): every output as it comes. */
  private def whole(model: String)(
      feeds: Seq[Any] => Map[String, Feed]
  ): Seq[Any] => Map[String, Nd] =
    row => ort.run(modelPath(model), feeds(row))

  private val stateRow = perRow("state", Map("new_state" -> 1)) { r =>
    Map("x" -> floatFeed(r(0), 1, 4), "state" -> floatFeed(r(1), 2, 1, 3))
  }
  private val rank0Row = perRow("rank0") { r =>
    Map(
      "x" -> floatFeed(r(0), 1, 5),
      "scale" -> Feed.floats(Nil, Seq(2.5f)),
      "k" -> Feed.longs(Nil, Seq(3L))
    )
  }
  private val matmulRow = perRow("matmul") { r =>
    Map("x" -> floatFeed(r(0), 1, 4), "w" -> floatFeed(w43, 4, 3))
  }

  /** fixed4 takes exactly 4 rows: the row first, zeros after; its result is row 0. */
  private val fixed4Row = perRow("fixed4") { r =>
    Map("x" -> Feed.floats(Seq(4, 6), Feed.flatten(r(0)) ++ Seq.fill(18)(0.0f)))
  }
  private def nestedRow(model: String) = perRow(model) { r =>
    Map("x" -> Feed.floats(1L +: Feed.dims(r(0)), Feed.flatten(r(0))))
  }

  private val cases: Seq[Case] = Seq(
    // R1: x's batch axis is 0, state's is 1 (the batch name sits there).
    Case(
      "state [2,batch,3] fed along axis 1, nested rows",
      "state",
      Seq("x" -> floatArray, "state" -> floatMatrix),
      x4.zip(state).map(p => Seq(p._1, p._2)),
      Seq("x", "state"),
      stateRow
    ),
    Case(
      "state [2,batch,3] fed along axis 1, flat rows",
      "state",
      Seq("x" -> floatArray, "state" -> floatArray),
      x4.zip(state).map(p => Seq(p._1, p._2.flatten)),
      Seq("x", "state"),
      stateRow
    ),
    // R3: rank-0 inputs take constants, fed once per run.
    Case(
      "rank-0 inputs given literals",
      "rank0",
      Seq("x" -> floatArray),
      x5.map(Seq(_)),
      Seq("x", "2.5F", "3L"),
      rank0Row
    ),
    Case(
      "rank-0 inputs given foldable expressions",
      "rank0",
      Seq("x" -> floatArray),
      x5.map(Seq(_)),
      Seq("x", "CAST(1.0 AS FLOAT) + CAST(1.5 AS FLOAT)", "CAST(2 AS BIGINT) + 1"),
      rank0Row
    ),
    // R3: an all-fixed input given a constant is the whole tensor.
    Case(
      "all-fixed weight input given a nested constant",
      "matmul",
      Seq("x" -> floatArray),
      x4.map(Seq(_)),
      Seq("x", wNested),
      matmulRow
    ),
    Case(
      "all-fixed weight input given a flat constant",
      "matmul",
      Seq("x" -> floatArray),
      x4.map(Seq(_)),
      Seq("x", wFlat),
      matmulRow
    ),
    // R4: exactly 4 rows a run; 10 rows in 3 partitions (3, 3, 4): padded and full batches.
    Case(
      "fixed batch of 4, partial batches in 3 partitions",
      "fixed4",
      Seq("x" -> floatArray),
      x6.map(Seq(_)),
      Seq("x"),
      fixed4Row,
      partitions = 3
    ),
    Case(
      "fixed batch of 4, one row per partition",
      "fixed4",
      Seq("x" -> floatArray),
      x6.take(3).map(Seq(_)),
      Seq("x"),
      fixed4Row,
      partitions = 3
    ),
    // Outputs: the batch name at axis 1 of y[3,N] makes axis 1 the batch axis.
    Case(
      "Transpose output split along axis 1",
      "transpose",
      Seq("x" -> floatArray),
      x3.map(Seq(_)),
      Seq("x"),
      perRow("transpose", Map("y" -> 1)) { r =>
        Map("x" -> floatFeed(r(0), 1, 3))
      }
    ),
    // Rows whose dynamic dims differ run as runs of equal shape, results in input order.
    Case(
      "images of different H and W in one partition",
      "gap",
      Seq("x" -> floatCube),
      imageSizes.map { case (h, w) => Seq(image(h, w)) },
      Seq("x"),
      nestedRow("gap"),
      partitions = 1
    ),
    Case(
      "token ids of different lengths in one partition",
      "seq_sum",
      Seq("x" -> ArrayType(LongType)),
      tokens.map(Seq(_)),
      Seq("x"),
      perRow("seq_sum") { r =>
        Map("x" -> Feed.longs(Seq(1L, Feed.dims(r(0)).head), Feed.flatten(r(0))))
      },
      partitions = 1
    ),
    Case(
      "nested rows into [N,4,5]",
      "nested45",
      Seq("x" -> floatMatrix),
      Seq.fill(3)(Seq(matrix(4, 5))),
      Seq("x"),
      nestedRow("nested45")
    ),
    Case(
      "flat rows into [N,4,5]",
      "nested45",
      Seq("x" -> floatArray),
      Seq.fill(3)(Seq(floats(20))),
      Seq("x"),
      perRow("nested45") { r => Map("x" -> floatFeed(r(0), 1, 4, 5)) }
    ),
    // Several runs per partition (batches of 2, the last one partial).
    Case(
      "state fed along axis 1 in batches of 2",
      "state",
      Seq("x" -> floatArray, "state" -> floatMatrix),
      x4.zip(state).map(p => Seq(p._1, p._2)),
      Seq("x", "state"),
      stateRow,
      partitions = 1,
      batchSize = Some(2)
    ),
    Case(
      "Transpose output split along axis 1 in batches of 2",
      "transpose",
      Seq("x" -> floatArray),
      x3.map(Seq(_)),
      Seq("x"),
      perRow("transpose", Map("y" -> 1)) { r => Map("x" -> floatFeed(r(0), 1, 3)) },
      partitions = 1,
      batchSize = Some(2)
    ),
    Case(
      "images of different sizes in batches of 2",
      "gap",
      Seq("x" -> floatCube),
      imageSizes.map { case (h, w) => Seq(image(h, w)) },
      Seq("x"),
      nestedRow("gap"),
      partitions = 1,
      batchSize = Some(2)
    ),
    Case(
      "rank-0 constants in batches of 2",
      "rank0",
      Seq("x" -> floatArray),
      x5.map(Seq(_)),
      Seq("x", "2.5F", "3L"),
      rank0Row,
      partitions = 1,
      batchSize = Some(2)
    ),
    // Whole-call mode: each row is one complete invocation with full tensors.
    Case(
      "whole call: ArgMax over the batch",
      "argmax_batch",
      Seq("x" -> floatMatrix),
      Seq(3, 5, 1, 4).map(m => Seq(matrix(m, 10))),
      Seq("x"),
      whole("argmax_batch") { r => Map("x" -> Feed.floats(Feed.dims(r(0)), Feed.flatten(r(0)))) },
      wholeCall = true
    ),
    Case(
      "whole call: a rank-0 output",
      "reduce_all",
      Seq("x" -> floatMatrix),
      Seq(2, 6).map(m => Seq(matrix(m, 4))),
      Seq("x"),
      whole("reduce_all") { r => Map("x" -> Feed.floats(Feed.dims(r(0)), Feed.flatten(r(0)))) },
      wholeCall = true
    ),
    Case(
      "whole call: a model with no inputs",
      "constant",
      Nil,
      Seq(Nil, Nil),
      Nil,
      whole("constant")(_ => Map.empty),
      wholeCall = true
    ),
    Case(
      "whole call: rank-0 inputs from columns",
      "scalars_only",
      Seq("a" -> FloatType, "b" -> FloatType),
      Seq(Seq(1.5f, -2.0f), Seq(0.25f, 8.0f)),
      Seq("a", "b"),
      whole("scalars_only") { r =>
        Map("a" -> Feed.floats(Nil, Seq(r(0))), "b" -> Feed.floats(Nil, Seq(r(1))))
      },
      wholeCall = true
    ),
    Case(
      "whole call: a state of a different batch per row",
      "state",
      Seq("x" -> floatMatrix, "state" -> floatCube),
      Seq(2, 3, 1).map(m => Seq(matrix(m, 4), Seq.fill(2)(matrix(m, 3)))),
      Seq("x", "state"),
      whole("state") { r =>
        Map(
          "x" -> Feed.floats(Feed.dims(r(0)), Feed.flatten(r(0))),
          "state" -> Feed.floats(Feed.dims(r(1)), Feed.flatten(r(1)))
        )
      },
      wholeCall = true
    )
  )

  // ---- the inputs the contract refuses ----------------------------------------------------

  private val ambiguous = "ONNX_BATCH_AXIS_AMBIGUOUS"
  private val notPerRow = "ONNX_OUTPUT_NOT_PER_ROW"

  private val refusals: Seq[Refusal] = Seq(
    Refusal(
      "two batch names in one input",
      "two_batch_names",
      Seq("p" -> floatArray, "q" -> floatArray, "r" -> floatArray),
      Seq(Seq(x4(0), x4(1), Seq(1.0f))),
      Seq("p", "q", "r"),
      ambiguous,
      Map("input" -> "r", "shape" -> "[a,b]")
    ),
    Refusal(
      "a fixed batch beside a dynamic batch",
      "mixed_batch",
      Seq("x" -> floatArray, "z" -> floatArray),
      Seq(Seq(x6(0), x6(1))),
      Seq("x", "z"),
      ambiguous,
      Map("input" -> "x", "shape" -> "[4,6]")
    ),
    Refusal(
      "an unnamed dynamic dim behind a fixed dim",
      "state_unnamed",
      Seq("x" -> floatArray, "state" -> floatMatrix),
      Seq(Seq(x4(0), state(0))),
      Seq("x", "state"),
      ambiguous,
      Map("input" -> "state")
    ),
    Refusal(
      "an all-fixed input from a column",
      "matmul",
      Seq("x" -> floatArray, "w" -> floatArray),
      Seq(Seq(x4(0), w43(0))),
      Seq("x", "w"),
      ambiguous,
      Map("input" -> "w", "shape" -> "[4,3]")
    ),
    Refusal(
      "a rank-0 float input from a column",
      "rank0",
      Seq("x" -> floatArray, "s" -> FloatType),
      Seq(Seq(x5(0), 2.5f)),
      Seq("x", "s", "3L"),
      "ONNX_INPUT_NOT_CONSTANT",
      Map("input" -> "scale", "column" -> "s", "shape" -> "[]")
    ),
    Refusal(
      "a rank-0 int64 input from a column",
      "rank0",
      Seq("x" -> floatArray, "k" -> LongType),
      Seq(Seq(x5(0), 3L)),
      Seq("x", "2.5F", "k"),
      "ONNX_INPUT_NOT_CONSTANT",
      Map("input" -> "k", "column" -> "k")
    ),
    Refusal(
      "a model with no inputs, batched",
      "constant",
      Nil,
      Seq(Nil),
      Nil,
      "ONNX_NO_ROW_INPUT",
      Map("reason" -> "it has no inputs")
    ),
    Refusal(
      "only constant inputs, batched",
      "scalars_only",
      Nil,
      Seq(Nil),
      Seq("2.0F", "3.0F"),
      "ONNX_NO_ROW_INPUT",
      Map("reason" -> "every input is a scalar or takes a constant")
    ),
    Refusal(
      "ArgMax over the batch, batched",
      "argmax_batch",
      Seq("x" -> floatArray),
      Seq(Seq(floats(10))),
      Seq("x"),
      notPerRow,
      Map("output" -> "y", "shape" -> "[10]")
    ),
    Refusal(
      "a rank-0 output, batched",
      "reduce_all",
      Seq("x" -> floatArray),
      x4.take(2).map(Seq(_)),
      Seq("x"),
      notPerRow,
      Map("output" -> "y", "shape" -> "[]")
    )
  )

  private val ragged6455 = Seq(
    Seq.fill(6)(1.0f),
    Seq.fill(4)(1.0f),
    Seq.fill(5)(1.0f),
    Seq.fill(5)(1.0f)
  ) // 20 values, not 4 x 5

  private val runFailures: Seq[RunFailure] = Seq(
    RunFailure(
      "Concat of the batch with itself",
      "concat_batch",
      Seq("x" -> floatArray),
      x3.map(Seq(_)),
      Seq("x"),
      "ONNX_OUTPUT_SHAPE_MISMATCH",
      Map("output" -> "y", "axis" -> "0", "rows" -> "5", "actual" -> "[10,3]"),
      nulled = None
    ),
    RunFailure(
      "Unique drops rows",
      "unique",
      Seq("x" -> FloatType),
      Seq.fill(4)(Seq(5.0f)),
      Seq("x"),
      "ONNX_OUTPUT_SHAPE_MISMATCH",
      Map("output" -> "y", "axis" -> "0", "rows" -> "4"),
      nulled = None
    ),
    // The count fits, but Unique sorts: a run of one row alone gives it away.
    RunFailure(
      "Unique sorts rows (as many values as rows)",
      "unique",
      Seq("x" -> FloatType),
      Seq(Seq(3.0f), Seq(1.0f), Seq(2.0f)),
      Seq("x"),
      "ONNX_OUTPUT_MIXES_ROWS",
      Map("output" -> "y", "axis" -> "0"),
      nulled = None
    ),
    RunFailure(
      "a row of the wrong length in a fixed batch of 4",
      "fixed4",
      Seq("x" -> floatArray),
      x6.take(6).zipWithIndex.map { case (x, i) =>
        Seq(if (i == 2) x.take(5) else x)
      },
      Seq("x"),
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map("input" -> "x", "column" -> "x"),
      nulled = Some(Set(2) -> fixed4Row)
    ),
    RunFailure(
      "whole call: a ragged full tensor",
      "argmax_batch",
      Seq("x" -> floatMatrix),
      Seq(Seq(matrix(3, 10)), Seq(Seq(floats(10), floats(9))), Seq(matrix(2, 10))),
      Seq("x"),
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map("input" -> "x", "column" -> "x"),
      nulled = Some(Set(1) -> whole("argmax_batch") { r =>
        Map("x" -> Feed.floats(Feed.dims(r(0)), Feed.flatten(r(0))))
      }),
      wholeCall = true
    ),
    RunFailure(
      "ragged rows 6,4,5,5 into [N,4,5]",
      "nested45",
      Seq("x" -> floatMatrix),
      Seq(Seq(matrix(4, 5)), Seq(ragged6455), Seq(matrix(4, 5))),
      Seq("x"),
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map("input" -> "x", "column" -> "x"),
      nulled = Some(Set(1) -> nestedRow("nested45"))
    ),
    RunFailure(
      "ragged rows 2,1,3 into [N,3,2]",
      "nested32",
      Seq("x" -> floatMatrix),
      Seq(Seq(Seq(Seq(1f, 2f), Seq(3f), Seq(4f, 5f, 6f))), Seq(matrix(3, 2))),
      Seq("x"),
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map("input" -> "x", "column" -> "x"),
      nulled = Some(Set(0) -> nestedRow("nested32"))
    ),
    RunFailure(
      "a ragged image into [N,3,H,W]",
      "gap",
      Seq("x" -> floatCube),
      Seq(Seq(image(4, 4)), Seq(Seq(matrix(4, 4), matrix(4, 4), matrix(2, 8))), Seq(image(4, 4))),
      Seq("x"),
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map("input" -> "x", "column" -> "x"),
      nulled = Some(Set(1) -> nestedRow("gap"))
    )
  )

  // ---- the harness ------------------------------------------------------------------------

  /** The rows as view `t` (`id` first) in exactly `partitions` partitions, in order. */
  private def table(
      columns: Seq[(String, DataType)],
      rows: Seq[Seq[Any]],
      partitions: Int
  ): DataFrame = {
    val schema = StructType(
      StructField("id", IntegerType) +:
        columns.map { case (n, t) => StructField(n, t) }
    )
    val data = rows.zipWithIndex.map { case (row, id) => Row.fromSeq(id +: row) }
    val frame = spark.createDataFrame(spark.sparkContext.parallelize(data, partitions), schema)
    frame.createOrReplaceTempView("t")
    frame
  }

  /** `function(model, args...)` per row, in row order, through SQL or the DataFrame API. */
  private def score(
      frame: DataFrame,
      api: String,
      function: String,
      model: String,
      args: Seq[String],
      wholeCall: Boolean
  ): Seq[Any] = inOrder(scored(frame, api, function, model, args, wholeCall))

  private def inOrder(scoredFrame: DataFrame): Seq[Any] =
    scoredFrame.collect().sortBy(_.getInt(0)).map(_.get(1)).toSeq

  private def scored(
      frame: DataFrame,
      api: String,
      function: String,
      model: String,
      args: Seq[String],
      wholeCall: Boolean
  ): DataFrame = {
    val options = if (wholeCall) Map("wholeCall" -> "true") else Map.empty[String, String]
    api match {
      case `columnar` =>
        // Read back from Parquet in column batches of 3 rows, so the batches the operator runs
        // (up to 1,024 rows, or the case's batch size) straddle them.
        val folder = java.nio.file.Files.createTempDirectory("contract-parquet").resolve("t")
        frame.coalesce(1).write.parquet(folder.toString)
        spark.conf.set("spark.sql.parquet.columnarReaderBatchSize", "3")
        spark.read.parquet(folder.toString).createOrReplaceTempView("t_parquet")
        val arguments = (s"'${name(model)}'" +: args) ++
          (if (wholeCall) Seq("map('wholeCall', 'true')") else Nil)
        spark.sql(s"SELECT id, $function(${arguments.mkString(", ")}) AS out FROM t_parquet")
      case "SQL" | `rowByRow` =>
        val arguments = (s"'${name(model)}'" +: args) ++
          (if (wholeCall) Seq("map('wholeCall', 'true')") else Nil)
        val call = s"$function(${arguments.mkString(", ")})"
        // A call in a CASE WHEN branch is not batched: it runs row by row.
        val column = if (api == rowByRow) s"CASE WHEN id >= 0 THEN $call END" else call
        spark.sql(s"SELECT id, $column AS out FROM t")
      case "DataFrame" =>
        val inputs: Seq[Column] = args.map(a => if (frame.columns.contains(a)) col(a) else expr(a))
        val call = function match {
          case "onnx_predict" => functions.onnx_predict(name(model), inputs, options)
          case "try_onnx_predict" => functions.try_onnx_predict(name(model), inputs, options)
        }
        frame.select(col("id"), call.as("out"))
      case other => fail(s"no API $other")
    }
  }

  private def conditionIn(error: Throwable, condition: String): Throwable =
    Iterator
      .iterate(error)(_.getCause)
      .takeWhile(_ != null)
      .find {
        case e: SparkThrowable => e.getCondition == condition
        case _ => false
      }
      .getOrElse(fail(s"no $condition in the cause chain", error))

  /** The condition, its SQLSTATE and message prefix, and the expected parameters among its own. */
  private def checkCondition(
      error: Throwable,
      condition: String,
      model: String,
      parameters: Map[String, String]
  ): Unit = {
    val thrown = error.asInstanceOf[SparkThrowable]
    assert(thrown.getCondition === condition)
    assert(thrown.getSqlState === OnnxErrorConditions.sqlState(condition))
    assert(error.getMessage.startsWith(s"[$condition] "), error.getMessage)
    val actual = thrown.getMessageParameters.asScala.toMap
    (parameters + ("model" -> name(model))).foreach { case (key, value) =>
      assert(actual.get(key) === Some(value), s"parameter $key of $actual")
    }
  }

  private val rowByRow = "SQL, row by row in a CASE WHEN"
  private val columnar = "SQL over Parquet, columnar input"
  private val apis = Seq("SQL", "DataFrame")

  /** Every `OnnxEvalExec` of `frame`'s plan reads its child's column batches. */
  private def assertColumnarInput(frame: DataFrame): Unit = {
    val plan = frame.queryExecution.executedPlan
    val evals = collect(plan) { case e: OnnxEvalExec => e }
    assert(evals.nonEmpty && evals.forall(_.child.supportsColumnar), s"not columnar:\n$plan")
  }

  for (c <- cases; api <- apis :+ rowByRow :+ columnar) {
    test(s"${c.title} ($api) matches ONNX Runtime") {
      val frame = table(c.columns, c.rows, c.partitions)
      c.batchSize.foreach(size => spark.conf.set("spark.onnx.batchSize", size.toString))
      val out =
        try {
          val scoredFrame = scored(frame, api, "onnx_predict", c.model, c.args, c.wholeCall)
          val values = inOrder(scoredFrame)
          if (api == columnar) assertColumnarInput(scoredFrame)
          values
        } finally {
          spark.conf.unset("spark.onnx.batchSize")
          spark.conf.unset("spark.sql.parquet.columnarReaderBatchSize")
        }
      assert(out.length === c.rows.length)
      if (api == rowByRow) {
        val plan = scored(
          frame,
          api,
          "onnx_predict",
          c.model,
          c.args,
          c.wholeCall
        ).queryExecution.executedPlan
        assert(
          collect(plan) {
            case node if node.expressions.exists(_.exists(_.isInstanceOf[OnnxPredictRowwise])) =>
              node
          }.nonEmpty,
          s"not row by row:\n$plan"
        )
      }
      out.zip(c.rows).zipWithIndex.foreach { case ((got, row), i) =>
        OrtDirect.assertSameOutputs(got, c.expected(row), s"row $i")
      }
    }
  }

  for (r <- refusals; api <- apis; function <- Seq("onnx_predict", "try_onnx_predict")) {
    test(s"refused at analysis: ${r.title} ($api, $function) -> ${r.condition}") {
      val frame = table(r.columns, r.rows, 1)
      val error = intercept[AnalysisException] {
        score(frame, api, function, r.model, r.args, wholeCall = false)
      }
      checkCondition(error, r.condition, r.model, r.parameters)
    }
  }

  for (r <- runFailures; api <- apis :+ columnar) {
    test(s"fails at run time: ${r.title} ($api) -> ${r.condition}") {
      val frame = table(r.columns, r.rows, 1)
      try failsAtRunTime(r, api, frame)
      finally spark.conf.unset("spark.sql.parquet.columnarReaderBatchSize")
    }
  }

  private def failsAtRunTime(r: RunFailure, api: String, frame: DataFrame): Unit = {
    val error = intercept[Exception] {
      score(frame, api, "onnx_predict", r.model, r.args, r.wholeCall)
    }
    checkCondition(conditionIn(error, r.condition), r.condition, r.model, r.parameters)
    r.nulled.foreach { case (nulled, expected) =>
      val out = score(frame, api, "try_onnx_predict", r.model, r.args, r.wholeCall)
      assert(out.length === r.rows.length)
      out.zip(r.rows).zipWithIndex.foreach { case ((got, row), i) =>
        if (nulled.contains(i)) assert(got === null, s"row $i under try_onnx_predict")
        else OrtDirect.assertSameOutputs(got, expected(row), s"row $i")
      }
    }
  }
}

object ContractSuite {

  /**
   * A model, a table of rows (`columns` after `id`), the call's arguments (a column name or a SQL
   * constant each), and ORT run directly on one row's inputs.
   */
  final case class Case(
      title: String,
      model: String,
      columns: Seq[(String, DataType)],
      rows: Seq[Seq[Any]],
      args: Seq[String],
      expected: Seq[Any] => Map[String, Nd],
      partitions: Int = 2,
      wholeCall: Boolean = false,
      batchSize: Option[Int] = None
  )

  /** A call refused at analysis with `condition` and (among others) `parameters`. */
  final case class Refusal(
      title: String,
      model: String,
      columns: Seq[(String, DataType)],
      rows: Seq[Seq[Any]],
      args: Seq[String],
      condition: String,
      parameters: Map[String, String]
  )

  /**
   * A call failing at run time with `condition`; `nulled`: the rows `try_onnx_predict` nulls and
   * ORT on the others' inputs (None: not checked).
   */
  final case class RunFailure(
      title: String,
      model: String,
      columns: Seq[(String, DataType)],
      rows: Seq[Seq[Any]],
      args: Seq[String],
      condition: String,
      parameters: Map[String, String],
      nulled: Option[(Set[Int], Seq[Any] => Map[String, Nd])],
      wholeCall: Boolean = false
  )
}
