package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.analysis.UnresolvedException
import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionDescription, Unevaluable}
import org.apache.spark.sql.types.DataType

/**
 * `onnx_predict(model, inputs...)` as the parser and function registry produce it, before the model
 * is known. [[ResolveOnnxCalls]] replaces it with a bound [[OnnxPredict]] once its arguments are
 * resolved, looking the model up in the session's registry.
 */
@ExpressionDescription(
  usage = """
    _FUNC_(model, input1[, input2, ...][, options]) - Runs the registered ONNX model `model` on the given
      arguments, one per model input in the model's input order, a batch of rows per ONNX
      Runtime call, and returns its output for each row: a scalar for a `[N]` output, an array
      for `[N,k]`, nested arrays for deeper outputs, and a struct with one field per output when
      the model has several. A null input gives a null result. With the option wholeCall, each
      row is one complete run instead. How rows become tensors (batch axes, constants, fixed
      batch sizes) and what is refused: see docs/tensors.md.
  """,
  arguments = """
    Arguments:
      * model - the name the model was registered under: a string literal.
      * input1, input2, ... - columns feeding the model's inputs: numbers or (nested) arrays of
          numbers, booleans or strings; ML vectors; binary (into uint8). Arrays are flattened
          and reshaped to the input's dims; doubles feed float and float16 inputs, integers
          feed wider integer and floating inputs. A model with several inputs may instead be
          given one struct whose fields are named after its inputs, in any order. An input with
          no batch axis (rank 0, or all dims fixed beside a batched input) takes a constant: a
          literal or foldable expression, fed once to every run.
      * options - optional, last: a constant map<string,string>. `batchSize`: rows per ONNX
          Runtime call (default spark.onnx.batchSize); `outputs`: comma-separated output names
          to fetch (ORT computes only what they need); `wholeCall`: 'true' makes each row one
          complete run, every argument its input's full tensor (batch dims included) and every
          output returned whole, for graphs the batched contract refuses (see docs/tensors.md).
  """,
  examples = """
    Examples:
      > SELECT size(_FUNC_('digits', array_repeat(0.0F, 64)));
       10
      > SELECT round(aggregate(_FUNC_('digits', array_repeat(8.0D, 64)), 0D, (acc, p) -> acc + p), 4);
       1.0
      > SELECT size(_FUNC_('digits', array_repeat(1.0F, 64), map('batchSize', '256')));
       10
      > SELECT size(_FUNC_('digits', array_repeat(array_repeat(0.5F, 64), 2), map('wholeCall', 'true')));
       2
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class OnnxPredictCall(children: Seq[Expression]) extends UnboundOnnxCall {
  override def failOnError: Boolean = true

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): OnnxPredictCall = copy(children = newChildren)
}

/** An `onnx_predict` or `try_onnx_predict` call whose model is not bound yet. */
trait UnboundOnnxCall extends Expression with Unevaluable {
  def failOnError: Boolean

  override lazy val resolved: Boolean = false

  override def dataType: DataType = throw new UnresolvedException("dataType")

  override def nullable: Boolean = true

  override def prettyName: String =
    if (failOnError) OnnxPredict.FunctionName else OnnxPredict.TryFunctionName
}
