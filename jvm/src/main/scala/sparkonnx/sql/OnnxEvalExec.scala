package sparkonnx.sql

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet}
import org.apache.spark.sql.catalyst.util.truncatedString
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}

/**
 * Scores `calls` a batch at a time: pulls up to `batchSize` rows from the child, runs each
 * model once on them, and appends the results, the way Spark's `BatchEvalPythonExec` runs
 * Python UDFs. Sessions come from the executor's shared pool. Outputs the `passThrough` child
 * columns and the results.
 */
case class OnnxEvalExec(
    calls: Seq[OnnxPredict],
    resultAttrs: Seq[Attribute],
    passThrough: Seq[Attribute],
    child: SparkPlan,
    batchSizes: Seq[Int],
    sessionCacheMaxBytes: Long)
  extends UnaryExecNode {

  override def output: Seq[Attribute] = passThrough ++ resultAttrs

  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  override lazy val references: AttributeSet =
    AttributeSet(calls.flatMap(_.references)) ++ AttributeSet(passThrough)

  override lazy val metrics: Map[String, SQLMetric] = Map(
    "numOutputRows" -> SQLMetrics.createMetric(sparkContext, "number of output rows"),
    "numBatches" -> SQLMetrics.createMetric(sparkContext, "number of ONNX Runtime runs"),
    "ortTime" -> SQLMetrics.createNanoTimingMetric(sparkContext, "time in ONNX Runtime"),
    "convertTime" -> SQLMetrics.createNanoTimingMetric(sparkContext, "time converting tensors"))

  override def simpleString(maxFields: Int): String = {
    val described = calls.zip(batchSizes).map { case (call, size) =>
      s"${call.prettyName}(${call.modelName}, batchSize=$size)"
    }
    s"OnnxEval ${truncatedString(described, "[", ", ", "]", maxFields)}, " +
      truncatedString(resultAttrs, "[", ", ", "]", maxFields)
  }

  override protected def doExecute(): RDD[InternalRow] = {
    val childOutput = child.output
    val outputAttributes = output
    val (calls, results, sizes, budget) = (this.calls, resultAttrs, batchSizes, sessionCacheMaxBytes)
    val metrics = OnnxEvalMetrics(longMetric("numOutputRows"), longMetric("numBatches"),
      longMetric("ortTime"), longMetric("convertTime"))
    child.execute().mapPartitions { rows =>
      new OnnxBatchIterator(rows, childOutput, calls, results, outputAttributes, sizes, budget,
        metrics)
    }
  }

  override protected def withNewChildInternal(newChild: SparkPlan): OnnxEvalExec =
    copy(child = newChild)
}

private[sql] final case class OnnxEvalMetrics(
    outputRows: SQLMetric,
    batches: SQLMetric,
    ortNanos: SQLMetric,
    convertNanos: SQLMetric)
