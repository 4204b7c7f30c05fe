package sparkonnx.sql

import org.apache.spark.internal.Logging
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.execution.{SparkPlan, SparkStrategy}

/** Plans [[OnnxEval]] as [[OnnxEvalExec]], fixing each call's batch size from conf and options. */
case class OnnxEvalStrategy(session: SparkSession) extends SparkStrategy with Logging {

  override def apply(plan: LogicalPlan): Seq[SparkPlan] = plan match {
    case OnnxEval(calls, resultAttrs, passThrough, child) =>
      val default = OnnxConf.batchSize(session)
      val maxBytes = OnnxConf.batchMaxBytes(session)
      val sizes = calls.map { call =>
        call.binding.fixedBatchSize match {
          case Some(fixed) =>
            logWarning(s"ONNX model ${call.modelName} fixes its batch dimension at $fixed: " +
              s"it runs $fixed row(s) per call (correct, but slower than a dynamic batch).")
            fixed
          case None =>
            val wanted = call.batchSize.getOrElse(default)
            val byBytes = call.binding.inputBytesPerRow.filter(_ > 0)
              .map(bytes => math.max(1L, maxBytes / bytes).toInt).getOrElse(Int.MaxValue)
            math.min(wanted, byBytes)
        }
      }
      OnnxEvalExec(calls, resultAttrs, passThrough, planLater(child), sizes,
        OnnxConf.sessionCacheMaxBytes(session)) :: Nil
    case _ => Nil
  }
}
