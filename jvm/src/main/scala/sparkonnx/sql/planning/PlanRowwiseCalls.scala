package sparkonnx.sql.planning

import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.execution.{ColumnarRule, SparkPlan}

import sparkonnx.runtime.ModelShipping
import sparkonnx.sql.execution.{OnnxEvalExec, OnnxPredictRowwise}
import sparkonnx.sql.functions.OnnxPredict

/**
 * The calls [[ExtractOnnxCalls]] could not batch (inside a lambda or a conditional branch, on
 * aggregated values...) are `Unevaluable` in the logical plan; in the physical plan they become
 * [[OnnxPredictRowwise]], which scores row by row with one scorer per task. Injected as a columnar
 * rule because that runs on every physical plan Spark prepares, adaptive stages included, before
 * code generation.
 */
object PlanRowwiseCalls extends ColumnarRule {

  override def preColumnarTransitions: Rule[SparkPlan] = new Rule[SparkPlan] {
    override def apply(plan: SparkPlan): SparkPlan = plan.transformUp {
      case batched: OnnxEvalExec => batched
      case node =>
        node.transformExpressions { case call: OnnxPredict =>
          OnnxPredictRowwise(call, ModelShipping.source(call.binding.model))
        }
    }
  }
}
