package sparkonnx.sql.functions

import org.apache.spark.{SparkEnv, TaskContext}
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{
  ExpressionDescription,
  LeafExpression,
  Nondeterministic
}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.runtime.{NativeCounters, SessionPool}

/**
 * The ONNX Runtime counters of the JVM that evaluates it: run it over many partitions to see every
 * executor's sessions, runs and open native objects (operators, tests, the soak).
 */
@ExpressionDescription(
  usage = """
    _FUNC_() - The spark-onnx counters of the executor JVM evaluating the row: executor id,
      process id, ORT sessions created and open, session runs, tensors made, and tensors and
      results not yet closed (0 between batches: no native leak).
  """,
  examples = """
    Examples:
      > SELECT _FUNC_().openTensors;
       0
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class OnnxRuntimeStats() extends LeafExpression with Nondeterministic with CodegenFallback {

  override def nullable: Boolean = false
  override def prettyName: String = "onnx_runtime_stats"

  override def dataType: DataType = new StructType()
    .add("executorId", StringType, nullable = false)
    .add("pid", LongType, nullable = false)
    .add("sessionsCreated", LongType, nullable = false)
    .add("sessionsOpen", IntegerType, nullable = false)
    .add("sessionRuns", LongType, nullable = false)
    .add("tensorsMade", LongType, nullable = false)
    .add("openTensors", LongType, nullable = false)
    .add("openResults", LongType, nullable = false)

  override protected def initializeInternal(partitionIndex: Int): Unit = ()

  override protected def evalInternal(input: InternalRow): Any = {
    val executor = Option(SparkEnv.get)
      .map(_.executorId)
      .orElse(Option(TaskContext.get()).map(_ => "unknown"))
      .getOrElse("driver")
    InternalRow(
      UTF8String.fromString(executor),
      ProcessHandle.current().pid(),
      SessionPool.sessionsCreated,
      SessionPool.sessionsOpen,
      SessionPool.sessionRuns,
      NativeCounters.tensorsMade,
      NativeCounters.openTensors,
      NativeCounters.openResults
    )
  }
}
