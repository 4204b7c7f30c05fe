package sparkonnx.sql.execution

import java.util.concurrent.ConcurrentHashMap

import scala.util.control.NonFatal

import org.apache.spark.TaskContext
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types.DataType

import sparkonnx.model.ModelBytesSource
import sparkonnx.sql.functions.OnnxPredict
import sparkonnx.tensor.Scorer

/**
 * A call scored one row at a time, in the physical plan only, where batching cannot keep the
 * query's meaning (inside a lambda, a conditional branch, on aggregated values). Each task reuses
 * one scorer, and with it its session lease and buffers, for all its rows.
 */
case class OnnxPredictRowwise(call: OnnxPredict, source: ModelBytesSource)
    extends Expression
    with CodegenFallback {

  override def children: Seq[Expression] = call.children

  override def dataType: DataType = call.dataType

  override def nullable: Boolean = true

  override def prettyName: String = call.prettyName

  override def flatArguments: Iterator[Any] = Iterator(call.modelName) ++ children

  override def sql: String = call.sql

  @transient private lazy val constants: Array[Any] = call.constantValues
  @transient private lazy val scorers = new ConcurrentHashMap[Long, Scorer]()

  override def eval(input: InternalRow): Any = {
    val values = new Array[Any](children.length)
    var i = 0
    while (i < children.length) {
      values(i) = if (call.binding.isConstant(i)) constants(i) else children(i).eval(input)
      if (values(i) == null) return null
      i += 1
    }
    val context = TaskContext.get()
    if (context == null) {
      val scorer = open()
      try score(scorer, values)
      finally scorer.close()
    } else score(scorerOf(context), values)
  }

  private def score(scorer: Scorer, values: Array[Any]): Any =
    try {
      scorer.append(values, scorer.shapes(values))
      scorer.runAppended()(0)
    } catch {
      case NonFatal(_) if !call.failOnError =>
        scorer.discardAppended()
        null
    }

  private def open(): Scorer =
    call.binding.open(source, call.sessionOptions.forCurrentTask, constants)

  private def scorerOf(context: TaskContext): Scorer = {
    val task = context.taskAttemptId()
    val existing = scorers.get(task)
    if (existing != null) existing
    else {
      val scorer = open()
      scorers.put(task, scorer)
      context.addTaskCompletionListener[Unit](_ => Option(scorers.remove(task)).foreach(_.close()))
      scorer
    }
  }

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): OnnxPredictRowwise =
    copy(call = call.withNewChildren(newChildren).asInstanceOf[OnnxPredict])
}
