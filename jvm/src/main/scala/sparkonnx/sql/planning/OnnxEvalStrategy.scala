package sparkonnx.sql.planning

import org.apache.spark.internal.Logging
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.execution.{SparkPlan, SparkStrategy}

import sparkonnx.runtime.ModelShipping
import sparkonnx.conf.OnnxConf
import sparkonnx.sql.execution.OnnxEvalExec
import sparkonnx.sql.functions.ModelCatalog

/**
 * Plans [[OnnxEval]] as [[OnnxEvalExec]]: fixes each call's batch size from the settings and its
 * options, and how its model reaches the executors (a broadcast made when the tasks are first
 * shipped, or a file path for a model with external data).
 */
case class OnnxEvalStrategy(session: SparkSession) extends SparkStrategy with Logging {

  override def apply(plan: LogicalPlan): Seq[SparkPlan] = plan match {
    case OnnxEval(calls, resultAttrs, passThrough, child) =>
      ModelCatalog.releaseReplaced(session)
      val default = OnnxConf.batchSize(session)
      val maxBytes = OnnxConf.batchMaxBytes(session)
      val sizes = calls.map { call =>
        val binding = call.binding
        if (binding.wholeCall) 1
        else
          binding.fixedBatchSize match {
            case Some(fixed) =>
              logInfo(
                s"ONNX model ${call.modelName} fixes its batch dimension at $fixed: " +
                  s"it runs $fixed row(s) per call, the last batch of a partition padded."
              )
              fixed
            case None =>
              val wanted = call.batchSize.getOrElse(default)
              val byBytes = binding.inputBytesPerRow
                .filter(_ > 0)
                .map(bytes => math.max(1L, maxBytes / bytes).toInt)
                .getOrElse(Int.MaxValue)
              math.min(wanted, byBytes)
          }
      }
      val sources = calls.map(call => ModelShipping.source(call.binding.model))
      OnnxEvalExec(
        calls,
        resultAttrs,
        passThrough,
        planLater(child),
        sizes,
        maxBytes,
        sources,
        columnarInput = OnnxConf.columnarInput(session)
      ) :: Nil
    case _ => Nil
  }
}
