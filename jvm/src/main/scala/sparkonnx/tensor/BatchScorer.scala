package sparkonnx.tensor

import ai.onnxruntime.{OnnxTensor, OrtException, OrtSession}
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.ModelBytesSource
import sparkonnx.runtime.{NativeCounters, SessionLease, SessionOptions, SessionPool}

/**
 * Runs one bound model for one task. Rows are appended one at a time, straight from the caller's
 * row into reused direct buffers; a run takes the rows appended since the last one (all of one
 * value shape: the caller runs before a row of another shape joins) and returns one result per row.
 * Constant inputs are encoded once and fed to every run. Every tensor and result is closed before a
 * run returns, the constants when the scorer closes. Not thread-safe: one per task (the session
 * underneath is shared and thread-safe).
 */
final class BatchScorer private (binding: ModelBinding, lease: SessionLease, constants: Array[Any])
    extends Scorer {

  private val encoders = binding.encoders.toArray
  private val decoders = binding.decoders.toArray
  private val rowInputs = encoders.indices.filterNot(binding.isConstant).toArray
  private val batches = Array.fill(encoders.length)(new InputBatch)
  private var constantTensors: Array[OnnxTensor] = _

  /** Nanoseconds spent converting Spark values to tensors and back, and inside ORT. */
  var convertNanos = 0L
  var runNanos = 0L

  private var appendedRows = 0
  private var appendedBytes = 0L

  /** Rows appended since the last run. */
  override def pending: Int = appendedRows

  /** Input bytes appended since the last run. */
  override def pendingBytes: Long = appendedBytes

  /** The dims of each per-row input's value in `values` (by input); throws the row's error. */
  override def shapes(values: Array[Any]): Array[Array[Long]] = {
    val out = new Array[Array[Long]](encoders.length)
    var k = 0
    while (k < rowInputs.length) {
      val i = rowInputs(k)
      out(i) = encoders(i).shapeOf(values(i))
      k += 1
    }
    out
  }

  /** Input bytes of each row appended since the last run (they share one shape). */
  override def pendingRowBytes: Long = if (appendedRows == 0) 0L else appendedBytes / appendedRows

  /** Whether a row of these value dims can join the rows appended since the last run. */
  override def accepts(shapes: Array[Array[Long]]): Boolean = {
    var k = 0
    while (k < rowInputs.length) {
      if (!batches(rowInputs(k)).accepts(shapes(rowInputs(k)))) return false
      k += 1
    }
    true
  }

  /** Appends one row's values (by input; none null) of dims `shapes` ([[shapes]]). */
  override def append(values: Array[Any], shapes: Array[Array[Long]]): Unit = {
    val timed = (appendedRows & 31) == 0
    val started = if (timed) System.nanoTime() else 0L
    var k = 0
    // A value that fails half-way (a null element, a value out of range) leaves the batch as
    // it was: the row's error is thrown and the rows before it still run.
    while (k < rowInputs.length) { batches(rowInputs(k)).mark(); k += 1 }
    k = 0
    try {
      while (k < rowInputs.length) {
        val i = rowInputs(k)
        encoders(i).append(values(i), shapes(i), batches(i))
        k += 1
      }
    } catch {
      case e: Throwable =>
        rowInputs.foreach(i => batches(i).rollback())
        throw e
    }
    k = 0
    while (k < rowInputs.length) {
      appendedBytes += encoders(rowInputs(k)).rowBytes(batches(rowInputs(k)))
      k += 1
    }
    appendedRows += 1
    if (timed) convertNanos += (System.nanoTime() - started) * 32
  }

  /** Drops the rows appended since the last run (their run is not wanted: a failed batch). */
  override def discardAppended(): Unit = {
    batches.foreach(_.clear())
    appendedRows = 0
    appendedBytes = 0
  }

  /** Scores the rows appended since the last run; one result per row, in order. */
  override def runAppended(): Array[Any] = {
    val rows = appendedRows
    if (rows == 0) return Array.empty
    val runRows = binding.fixedBatchSize.getOrElse(rows)
    try execute(rows, runRows)
    finally discardAppended()
  }

  private def execute(rows: Int, runRows: Int): Array[Any] = {
    val env = SessionPool.environment
    val feed = new java.util.HashMap[String, OnnxTensor]()
    val made = new java.util.ArrayList[OnnxTensor]()
    val started = System.nanoTime()
    try {
      if (constantTensors == null) constantTensors = encodeConstants()
      var i = 0
      while (i < encoders.length) {
        val tensor =
          if (binding.isConstant(i)) constantTensors(i)
          else {
            val made1 = encoders(i).tensor(env, batches(i), runRows)
            made.add(made1)
            NativeCounters.tensorOpened()
            made1
          }
        feed.put(encoders(i).spec.name, tensor)
        i += 1
      }
      val ran = System.nanoTime()
      val result = run(feed)
      NativeCounters.resultOpened()
      val decoded = System.nanoTime()
      runNanos += decoded - ran
      val scored =
        try decodeAll(result, rows, runRows)
        finally {
          result.close()
          NativeCounters.resultClosed()
          convertNanos += (ran - started) + (System.nanoTime() - decoded)
        }
      if (checkRows && rows >= 2 && runRows == rows && batchesRun % CheckEvery == 0) {
        checkRowAlone(env, feed, scored, (batchesRun / CheckEvery * 7919 % rows).toInt)
      }
      batchesRun += 1
      scored
    } finally
      made.forEach { tensor =>
        tensor.close()
        NativeCounters.tensorClosed()
      }
  }

  // Outputs whose batch axis the signature only suggests (an unnamed dynamic dim) are checked:
  // every few batches one row (a different one each time) must come out of a run of that row
  // alone the same, else the model mixes rows (a sort, a unique over the batch) and batching
  // would be silently wrong.
  private val assumed = decoders.indices.filter { o =>
    binding.contract.outputs(o) match {
      case OutputSplit.PerRow(_, named) => !named
      case _ => false
    }
  }
  private val checkRows = assumed.nonEmpty && binding.fixedBatchSize.isEmpty
  private val CheckEvery = 8
  private var batchesRun = 0L

  private def checkRowAlone(
      env: ai.onnxruntime.OrtEnvironment,
      batchFeed: java.util.Map[String, OnnxTensor],
      batched: Array[Any],
      row: Int
  ): Unit = {
    val feed = new java.util.HashMap[String, OnnxTensor](batchFeed)
    val made = new java.util.ArrayList[OnnxTensor]()
    try {
      rowInputs.foreach { i =>
        val tensor = encoders(i).rowTensor(env, batches(i), row)
        made.add(tensor)
        NativeCounters.tensorOpened()
        feed.put(encoders(i).spec.name, tensor)
      }
      val result = run(feed)
      NativeCounters.resultOpened()
      val alone =
        try decodeAll(result, 1, 1)
        finally {
          result.close()
          NativeCounters.resultClosed()
        }
      assumed.foreach { o =>
        val (batchedRow, aloneRow) =
          if (decoders.length == 1) (batched(row), alone(0))
          else
            (
              batched(row).asInstanceOf[GenericInternalRow].values(o),
              alone(0).asInstanceOf[GenericInternalRow].values(o)
            )
        if (!RowValues.agree(decoders(o).dataType, batchedRow, aloneRow)) {
          val axis = binding.contract.outputs(o) match {
            case OutputSplit.PerRow(a, _) => a
            case _ => 0
          }
          throw OnnxErrors.outputMixesRows(binding.modelName, decoders(o).spec.name, axis)
        }
      }
    } finally
      made.forEach { tensor =>
        tensor.close()
        NativeCounters.tensorClosed()
      }
  }

  /** The constant inputs' tensors, encoded once for every run of this scorer. */
  private def encodeConstants(): Array[OnnxTensor] = {
    val tensors = new Array[OnnxTensor](encoders.length)
    try {
      encoders.indices.filter(binding.isConstant).foreach { i =>
        val encoder = encoders(i)
        encoder.append(constants(i), encoder.shapeOf(constants(i)), batches(i))
        tensors(i) = encoder.tensor(SessionPool.environment, batches(i), 1)
        NativeCounters.tensorOpened()
      }
      tensors
    } catch {
      case e: Throwable =>
        closeAll(tensors)
        throw e
    }
  }

  private def run(feed: java.util.Map[String, OnnxTensor]): OrtSession.Result =
    try lease.run(feed, binding.outputNames)
    catch { case e: OrtException => throw OnnxErrors.runtimeFailure(binding.modelName, e) }

  private def decodeAll(result: OrtSession.Result, rows: Int, runRows: Int): Array[Any] = {
    val columns = decoders.map { decoder =>
      val value = result
        .get(decoder.spec.name)
        .orElseThrow(() =>
          OnnxErrors.outputShapeMismatch(binding.modelName, decoder.spec.name, "(missing)", rows, 0)
        )
      val decoded = decoder.decode(value, runRows)
      if (runRows == rows) decoded else decoded.take(rows)
    }
    if (columns.length == 1) columns(0)
    else Array.tabulate[Any](rows)(r => new GenericInternalRow(columns.map(_(r))))
  }

  private def closeAll(tensors: Array[OnnxTensor]): Unit = tensors.foreach { tensor =>
    if (tensor != null) {
      tensor.close()
      NativeCounters.tensorClosed()
    }
  }

  override def close(): Unit = {
    if (constantTensors != null) {
      closeAll(constantTensors)
      constantTensors = null
    }
    lease.close()
  }
}

object BatchScorer {

  /**
   * A scorer holding this JVM's shared session for `binding`'s model, its bytes fetched from
   * `source` only if the session must be built; `constants` are the values of the binding's
   * constant inputs (by input; others ignored). Close it when done.
   */
  def open(
      binding: ModelBinding,
      source: ModelBytesSource,
      options: SessionOptions,
      constants: Array[Any]
  ): BatchScorer = {
    val lease =
      try
        SessionPool.lease(
          binding.model.identity,
          options,
          () => source.bytes(),
          source.path,
          binding.model.sizeBytes
        )
      catch {
        // Building the session on an executor: a custom-op library that will not load, say.
        case e: OrtException => throw OnnxErrors.runtimeFailure(binding.modelName, e)
      }
    new BatchScorer(binding, lease, constants)
  }
}
