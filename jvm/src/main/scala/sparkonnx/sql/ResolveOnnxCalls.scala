package sparkonnx.sql

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.catalyst.util.toPrettySQL
import org.apache.spark.sql.types.StringType

import sparkonnx.OnnxModels
import sparkonnx.errors.OnnxErrors
import sparkonnx.runtime.ModelShipping
import sparkonnx.tensor.ModelBinding

/**
 * Binds each `onnx_predict` call to its model once the call's arguments are resolved: looks
 * the model up in the session's registry and checks the columns against its signature, so
 * every mismatch is an analysis error naming the model, the input and the column.
 */
case class ResolveOnnxCalls(session: SparkSession) extends Rule[LogicalPlan] {

  override def apply(plan: LogicalPlan): LogicalPlan = plan.resolveExpressions {
    case call: UnboundOnnxCall if call.childrenResolved => bind(call)
  }

  private def bind(call: UnboundOnnxCall): OnnxPredict = {
    val modelName = call.children.headOption match {
      case Some(name) if name.foldable && name.dataType == StringType && name.eval() != null =>
        name.eval().toString
      case Some(other) =>
        throw OnnxErrors.modelNameNotConstant(call.prettyName, columnName(other))
      case None => throw OnnxErrors.modelNameNotConstant(call.prettyName, "no argument")
    }
    val model = OnnxModels.lookup(session, modelName)
    val arguments = call.children.tail
    // A trailing constant map is options, unless the model really takes that many inputs.
    val hasOptions = arguments.lastOption.exists(CallOptions.isOptions) &&
      arguments.size == model.signature.inputs.size + 1
    val inputs = if (hasOptions) arguments.init else arguments
    val options =
      if (hasOptions) CallOptions.parse(call.prettyName, arguments.last) else CallOptions()
    val binding = ModelBinding.bind(modelName, model,
      ModelShipping.source(session.sparkContext, model),
      inputs.map(e => columnName(e) -> e.dataType), options.outputs)
    OnnxPredict(binding, inputs, call.failOnError, OnnxConf.sessionOptions(session),
      options.batchSize)
  }

  /** The column as Spark would name it in a projection: no qualifiers, no expression ids. */
  private def columnName(expression: Expression): String = toPrettySQL(expression)
}
