package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.analysis.UnresolvedException
import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionDescription, Unevaluable}
import org.apache.spark.sql.types.DataType

/**
 * `onnx_model_info(model)`: the registered model's signature as a JSON string, so SQL and Spark
 * Connect users can inspect a model without py4j. [[ResolveOnnxModelInfo]] replaces the call with a
 * literal at analysis time.
 */
@ExpressionDescription(
  usage = """
    _FUNC_(model) - Returns the signature of the registered ONNX model `model` as JSON: its
      SHA-256, size, producer, opsets, and each input and output's name, element type and
      shape (-1 for a dynamic dimension).
  """,
  arguments = """
    Arguments:
      * model - the name the model was registered under: a string literal.
  """,
  examples = """
    Examples:
      > SELECT get_json_object(_FUNC_('digits'), '$.inputs[0].shape');
       [-1,64]
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class OnnxModelInfoCall(model: Expression) extends Expression with Unevaluable {
  override def children: Seq[Expression] = Seq(model)

  override lazy val resolved: Boolean = false

  override def dataType: DataType = throw new UnresolvedException("dataType")

  override def nullable: Boolean = false

  override def prettyName: String = "onnx_model_info"

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): OnnxModelInfoCall = copy(model = newChildren.head)
}
