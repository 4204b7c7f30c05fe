package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.expressions.{Expression, Unevaluable}
import org.apache.spark.sql.types.DataType

import sparkonnx.runtime.SessionOptions
import sparkonnx.tensor.CallBinding

/**
 * A resolved `onnx_predict` / `try_onnx_predict` call: a model bound to its arguments by the row
 * <-> tensor contract; its result type comes from the model's signature.
 *
 * It is `Unevaluable` in logical plans, so the optimiser never runs a model (constant folding,
 * `ConvertToLocalRelation` over `VALUES` or local data, `EXPLAIN`).
 * [[sparkonnx.sql.planning.ExtractOnnxCalls]] moves calls below their operators into batched
 * `OnnxEval` nodes; the few left where rows must be scored one by one (inside a lambda or a
 * conditional branch) become `OnnxPredictRowwise` in the physical plan.
 *
 * @param failOnError
 *   false for `try_onnx_predict`: a row that cannot be scored gives null.
 */
case class OnnxPredict(
    binding: CallBinding,
    children: Seq[Expression],
    failOnError: Boolean,
    sessionOptions: SessionOptions,
    batchSize: Option[Int]
) extends Expression
    with Unevaluable {

  def modelName: String = binding.modelName

  override def dataType: DataType = binding.dataType

  override def nullable: Boolean = true

  override def prettyName: String =
    if (failOnError) OnnxPredict.FunctionName else OnnxPredict.TryFunctionName

  override def flatArguments: Iterator[Any] = Iterator(modelName) ++ children

  override def sql: String =
    s"$prettyName('$modelName', ${children.map(_.sql).mkString(", ")})"

  /** The values of the constant inputs (by input; null for the others), evaluated once. */
  def constantValues: Array[Any] = children.indices.map { i =>
    if (binding.isConstant(i)) children(i).eval() else null
  }.toArray

  override protected def withNewChildrenInternal(newChildren: IndexedSeq[Expression]): OnnxPredict =
    copy(children = newChildren)
}

object OnnxPredict {
  val FunctionName = "onnx_predict"
  val TryFunctionName = "try_onnx_predict"
}
