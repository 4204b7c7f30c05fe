package sparkonnx.sql

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types.DataType

import sparkonnx.runtime.SessionOptions
import sparkonnx.tensor.ModelBinding

/**
 * A resolved `onnx_predict` / `try_onnx_predict` call: a model bound to the types of its input
 * columns; its result type comes from the model's signature. [[ExtractOnnxCalls]] moves calls
 * out of projections and filters into batched [[OnnxEvalExec]] operators; `eval` scores one row
 * and keeps every other position (aggregates, sorts, joins, lambdas) correct.
 *
 * @param failOnError false for `try_onnx_predict`: a row that cannot be scored gives null.
 */
case class OnnxPredict(
    binding: ModelBinding,
    children: Seq[Expression],
    failOnError: Boolean,
    sessionOptions: SessionOptions,
    batchSize: Option[Int])
  extends Expression with CodegenFallback {

  def modelName: String = binding.modelName

  override def dataType: DataType = binding.dataType

  override def nullable: Boolean = true

  override def prettyName: String =
    if (failOnError) OnnxPredict.FunctionName else OnnxPredict.TryFunctionName

  override def flatArguments: Iterator[Any] = Iterator(modelName) ++ children

  override def sql: String =
    s"$prettyName('$modelName', ${children.map(_.sql).mkString(", ")})"

  override def eval(input: InternalRow): Any = {
    val values = new Array[Any](children.length)
    var i = 0
    while (i < children.length) {
      values(i) = children(i).eval(input)
      if (values(i) == null) return null
      i += 1
    }
    binding.scoreRow(values, sessionOptions.forCurrentTask, failOnError)
  }

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]): OnnxPredict = copy(children = newChildren)
}

object OnnxPredict {
  val FunctionName = "onnx_predict"
  val TryFunctionName = "try_onnx_predict"
}
