package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionDescription}

/** `try_onnx_predict`: `onnx_predict` that gives null for rows it cannot score. */
@ExpressionDescription(
  usage = """
    _FUNC_(model, input1[, input2, ...][, options]) - The same as `onnx_predict`, except that a
      row whose values do not fit the model (wrong array length, a null element) or whose run
      fails gives null instead of failing the query. Analysis errors (unknown model, wrong
      column types) still fail.
  """,
  arguments = """
    Arguments:
      * model - the name the model was registered under: a string literal.
      * input1, input2, ... - columns feeding the model's inputs, as for `onnx_predict`.
      * options - optional, last: a constant map<string,string>, as for `onnx_predict`.
  """,
  examples = """
    Examples:
      > SELECT _FUNC_('digits', array_repeat(1.0F, 63)) IS NULL;
       true
      > SELECT size(_FUNC_('digits', array_repeat(1.0F, 64)));
       10
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class TryOnnxPredictCall(children: Seq[Expression]) extends UnboundOnnxCall {
  override def failOnError: Boolean = false

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): TryOnnxPredictCall = copy(children = newChildren)
}
