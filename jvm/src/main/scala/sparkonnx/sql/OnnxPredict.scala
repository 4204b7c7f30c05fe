package sparkonnx.sql

import org.apache.spark.TaskContext
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types.DataType

import sparkonnx.runtime.SessionOptions
import sparkonnx.tensor.ModelBinding

/**
 * A resolved `onnx_predict` call: a model bound to the types of its input columns. Its result
 * type comes from the model's signature. Evaluated here one row at a time.
 */
case class OnnxPredict(binding: ModelBinding, children: Seq[Expression])
  extends Expression with CodegenFallback {

  def modelName: String = binding.modelName

  override def dataType: DataType = binding.dataType

  override def nullable: Boolean = true

  override def prettyName: String = OnnxPredict.FunctionName

  override def flatArguments: Iterator[Any] = Iterator(modelName) ++ children

  override def sql: String =
    s"$prettyName('$modelName', ${children.map(_.sql).mkString(", ")})"

  override def eval(input: InternalRow): Any = {
    val values = new Array[Array[Any]](children.length)
    var i = 0
    while (i < children.length) {
      val value = children(i).eval(input)
      if (value == null) return null
      values(i) = Array(value)
      i += 1
    }
    binding.score(values, 1, OnnxPredict.sessionOptions())(0)
  }

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]): OnnxPredict = copy(children = newChildren)
}

object OnnxPredict {
  val FunctionName = "onnx_predict"

  /** One intra-op thread per task CPU, so concurrent tasks never oversubscribe the cores. */
  private[sql] def sessionOptions(): SessionOptions =
    SessionOptions(intraOpThreads = Option(TaskContext.get()).map(_.cpus()).getOrElse(1))
}
