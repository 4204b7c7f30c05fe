package sparkonnx.sql.execution

import scala.jdk.CollectionConverters._

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet, Expression, Predicate}
import org.apache.spark.sql.catalyst.util.truncatedString
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}

import sparkonnx.model.ModelBytesSource
import sparkonnx.sql.functions.OnnxPredict

/**
 * Scores `calls` a batch at a time: pulls rows from the child, appends each call's inputs to its
 * batch, runs the model once per batch, and appends the results, the way Spark's
 * `BatchEvalPythonExec` runs Python UDFs. Sessions come from the executor's shared pool, the
 * model's bytes from `sources`. Outputs the `passThrough` child columns and the results.
 *
 * With `columnarInput`, [[sparkonnx.sql.planning.ReadColumnarInput]] removes the conversion to rows
 * Spark puts above a columnar child (a Parquet or ORC scan): the child's column batches are then
 * read in place, row by row through views, and array columns are copied into the tensors in blocks
 * straight from the column vectors (no `UnsafeRow` is built for a row that is only scored). The
 * operator itself stays row-based.
 */
case class OnnxEvalExec(
    calls: Seq[OnnxPredict],
    resultAttrs: Seq[Attribute],
    passThrough: Seq[Attribute],
    child: SparkPlan,
    batchSizes: Seq[Int],
    batchMaxBytes: Long,
    sources: Seq[ModelBytesSource],
    columnarInput: Boolean,
    inputFilter: Option[Expression] = None
) extends UnaryExecNode {

  override def output: Seq[Attribute] = passThrough ++ resultAttrs

  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  override lazy val references: AttributeSet =
    AttributeSet(calls.flatMap(_.references)) ++ AttributeSet(passThrough) ++
      AttributeSet(inputFilter.toSeq.flatMap(_.references))

  override lazy val metrics: Map[String, SQLMetric] = Map(
    "numOutputRows" -> SQLMetrics.createMetric(sparkContext, "number of output rows"),
    "numBatches" -> SQLMetrics.createMetric(sparkContext, "number of ONNX Runtime runs"),
    "ortTime" -> SQLMetrics.createNanoTimingMetric(sparkContext, "time in ONNX Runtime"),
    "convertTime" -> SQLMetrics.createNanoTimingMetric(sparkContext, "time converting tensors")
  )

  override def simpleString(maxFields: Int): String = {
    val described = calls.zip(batchSizes).map { case (call, size) =>
      val mode = if (call.binding.wholeCall) ", wholeCall" else ""
      s"${call.prettyName}(${call.modelName}, batchSize=$size$mode)"
    }
    val input = (if (child.supportsColumnar) ", columnar input" else "") +
      inputFilter.map(f => s", filter ${f.sql}").getOrElse("")
    s"OnnxEval ${truncatedString(described, "[", ", ", "]", maxFields)}, " +
      truncatedString(resultAttrs, "[", ", ", "]", maxFields) + input
  }

  override protected def doExecute(): RDD[InternalRow] = {
    val childOutput = child.output
    val outputAttributes = output
    val (calls, sizes, maxBytes, sources) = (this.calls, batchSizes, batchMaxBytes, this.sources)
    val metrics = OnnxEvalMetrics(
      longMetric("numOutputRows"),
      longMetric("numBatches"),
      longMetric("ortTime"),
      longMetric("convertTime")
    )
    // Views over the batch's vectors: each stays valid until the next row is asked for, which is
    // all the iterator needs (it copies what it keeps and encodes inputs as they arrive).
    val rows =
      if (child.supportsColumnar)
        child.executeColumnar().mapPartitions(_.flatMap(_.rowIterator().asScala))
      else child.execute()
    val filter = inputFilter
    rows.mapPartitionsWithIndex { (partition, rows) =>
      val kept = filter.fold(rows) { condition =>
        val predicate = Predicate.create(condition, childOutput)
        predicate.initialize(partition)
        rows.filter(predicate.eval)
      }
      new OnnxBatchIterator(
        kept,
        childOutput,
        calls,
        outputAttributes,
        sizes,
        maxBytes,
        sources,
        metrics
      )
    }
  }

  override protected def withNewChildInternal(newChild: SparkPlan): OnnxEvalExec =
    copy(child = newChild)
}

private[execution] final case class OnnxEvalMetrics(
    outputRows: SQLMetric,
    batches: SQLMetric,
    ortNanos: SQLMetric,
    convertNanos: SQLMetric
)
