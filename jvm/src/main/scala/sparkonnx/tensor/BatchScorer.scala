package sparkonnx.tensor

import scala.util.control.NonFatal

import ai.onnxruntime.{OnnxTensor, OrtEnvironment, OrtException, OrtSession}
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow

import sparkonnx.errors.OnnxErrors
import sparkonnx.runtime.{NativeCounters, SessionLease, SessionPool}

/**
 * Runs one bound model for one task: encodes a batch into reused direct buffers, runs the
 * session once, decodes per-row results. Every tensor and result is closed before returning.
 * Not thread-safe: one per task (the session underneath is shared and thread-safe).
 */
final class BatchScorer private[tensor] (binding: ModelBinding, lease: SessionLease)
  extends AutoCloseable {

  private val encoders = binding.encoders.toArray
  private val decoders = binding.decoders.toArray
  private val buffers = Array.fill(encoders.length)(new DirectBuffer)

  /** Nanoseconds spent converting Spark values to tensors and back, and inside ORT. */
  var convertNanos = 0L
  var runNanos = 0L

  /**
   * Scores `rows` rows; `inputs(i)(r)` is the value of input i in row r, none of them null.
   * Returns one result per row, or throws the error of the first bad row.
   */
  def score(inputs: Array[Array[Any]], rows: Int): Array[Any] =
    execute(rows, (i, env) => encoders(i).encode(env, inputs(i), rows, buffers(i)))

  /** Whether rows can be fed one at a time ([[append]], [[runAppended]]): no string inputs. */
  val appends: Boolean = encoders.forall(_.appends)

  private var appendedRows = 0
  private val perRow = new Array[Int](encoders.length)
  private val shapesOfOne = new Array[Array[Long]](encoders.length)

  /** Rows appended since the last run. */
  def pending: Int = appendedRows

  /**
   * Encodes one row's input values (none null) after the rows appended before, straight from
   * the caller's row: nothing is copied in between. Throws the row's error if it cannot feed
   * the model. One row in 32 is timed, for the conversion metric.
   */
  def append(values: Array[Any]): Unit = {
    val timed = (appendedRows & 31) == 0
    val started = if (timed) System.nanoTime() else 0L
    var i = 0
    while (i < encoders.length) {
      if (appendedRows == 0) {
        perRow(i) = encoders(i).count(values(i))
        shapesOfOne(i) = encoders(i).shapeOfOne(values(i), perRow(i))
      }
      encoders(i).append(values(i), appendedRows, perRow(i), buffers(i))
      i += 1
    }
    appendedRows += 1
    if (timed) convertNanos += (System.nanoTime() - started) * 32
  }

  /** Scores the rows appended since the last run; one result per row, in order. */
  def runAppended(): Array[Any] = {
    val rows = appendedRows
    appendedRows = 0
    execute(rows, (i, env) => encoders(i).appended(env, buffers(i), rows, perRow(i),
      shapesOfOne(i)))
  }

  /** Runs the session once on the tensors `tensor(i, env)` makes for each input. */
  private def execute(rows: Int, tensor: (Int, OrtEnvironment) => OnnxTensor): Array[Any] = {
    val env = SessionPool.environment
    val feed = new java.util.HashMap[String, OnnxTensor]()
    val started = System.nanoTime()
    try {
      var i = 0
      while (i < encoders.length) {
        feed.put(encoders(i).spec.name, tensor(i, env))
        NativeCounters.tensorOpened()
        i += 1
      }
      val ran = System.nanoTime()
      val result = run(feed)
      NativeCounters.resultOpened()
      val decoded = System.nanoTime()
      runNanos += decoded - ran
      try decodeAll(result, rows)
      finally {
        result.close()
        NativeCounters.resultClosed()
        convertNanos += (ran - started) + (System.nanoTime() - decoded)
      }
    } finally feed.values().forEach { tensor =>
      tensor.close()
      NativeCounters.tensorClosed()
    }
  }

  /**
   * Like [[score]], but a row whose values do not fit the model, or whose run fails, gives
   * null instead of an error (`try_onnx_predict`).
   */
  def tryScore(inputs: Array[Array[Any]], rows: Int): Array[Any] = {
    val good = (0 until rows).filter(r => encoders.indices.forall(i =>
      encoders(i).check(inputs(i)(r)).isEmpty)).toArray
    val results = new Array[Any](rows)
    val scored =
      try score(inputs.map(column => good.map(column)), good.length)
      catch { case NonFatal(_) => good.map(r => scoreAlone(inputs, r)) }
    good.indices.foreach(k => results(good(k)) = scored(k))
    results
  }

  private def scoreAlone(inputs: Array[Array[Any]], row: Int): Any =
    try score(inputs.map(column => Array(column(row))), 1)(0)
    catch { case NonFatal(_) => null }

  private def run(feed: java.util.Map[String, OnnxTensor]): OrtSession.Result =
    try lease.run(feed, binding.outputNames)
    catch { case e: OrtException => throw OnnxErrors.runtimeFailure(binding.modelName, e) }

  private def decodeAll(result: OrtSession.Result, rows: Int): Array[Any] = {
    val columns = decoders.map { decoder =>
      val value = result.get(decoder.spec.name).orElseThrow(() => new IllegalStateException(
        s"model ${binding.modelName} returned no output ${decoder.spec.name}"))
      decoder.decode(value, rows)
    }
    if (columns.length == 1) columns(0)
    else Array.tabulate[Any](rows)(r => new GenericInternalRow(columns.map(_(r))))
  }

  override def close(): Unit = lease.close()
}
