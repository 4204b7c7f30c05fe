package sparkonnx.sql.functions

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.Literal
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.catalyst.util.toPrettySQL
import org.apache.spark.sql.types.StringType

import sparkonnx.model.ModelRegistry
import sparkonnx.errors.OnnxErrors
import sparkonnx.model.SignatureJson

/** Replaces `onnx_model_info('name')` with the model's signature JSON, read at analysis. */
case class ResolveOnnxModelInfo(session: SparkSession) extends Rule[LogicalPlan] {

  override def apply(plan: LogicalPlan): LogicalPlan = plan.resolveExpressions {
    case call @ OnnxModelInfoCall(name) if name.resolved =>
      if (!name.foldable || name.dataType != StringType || name.eval() == null) {
        throw OnnxErrors.modelNameNotConstant(call.prettyName, toPrettySQL(name))
      }
      Literal(SignatureJson(ModelRegistry.lookup(session, name.eval().toString)))
  }
}
