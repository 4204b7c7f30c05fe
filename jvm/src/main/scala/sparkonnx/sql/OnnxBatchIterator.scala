package sparkonnx.sql

import org.apache.spark.TaskContext
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions._

import sparkonnx.tensor.BatchScorer

/**
 * The per-partition loop of [[OnnxEvalExec]]: scores each call on batches of the rows whose
 * inputs are all non-null, and emits the pass-through columns ++ results, in input order.
 *
 * `onnx_predict` calls (which fail on a bad row) append each row's inputs to their scorer's
 * direct buffers as the row arrives, running a call whenever its batch fills: rows keep only
 * their pass-through columns. `try_onnx_predict` and string inputs buffer whole rows
 * (copies: the child reuses its row objects) and score them once the largest batch is full,
 * since a bad row there is nulled and the batch rescored. Scorers, and through them the
 * sessions they lease and their direct buffers, live until the task completes.
 */
private[sql] final class OnnxBatchIterator(
    input: Iterator[InternalRow],
    childOutput: Seq[Attribute],
    calls: Seq[OnnxPredict],
    resultAttrs: Seq[Attribute],
    output: Seq[Attribute],
    batchSizes: Seq[Int],
    sessionCacheMaxBytes: Long,
    metrics: OnnxEvalMetrics)
  extends Iterator[InternalRow] {

  private val capacity = batchSizes.max
  private val scorers: Array[BatchScorer] =
    calls.map(c => c.binding.newScorer(c.sessionOptions.forCurrentTask, sessionCacheMaxBytes))
      .toArray
  Option(TaskContext.get()).foreach(_.addTaskCompletionListener[Unit](_ => close()))
  private val streaming = calls.forall(_.failOnError) && scorers.forall(_.appends)

  // The child columns a buffered row keeps: what the output passes on, and, unless the calls'
  // inputs are encoded as rows arrive, what the calls read.
  private val kept: Seq[Attribute] = {
    val needed = AttributeSet(output) ++
      (if (streaming) AttributeSet.empty else AttributeSet(calls.flatMap(_.references)))
    childOutput.filter(needed.contains)
  }
  // A batch of one row (wide rows on the CPU: an image) is scored and emitted before the child
  // is asked for another, so the row object the child reuses can be read in place.
  private val keep: InternalRow => InternalRow = {
    val project: InternalRow => InternalRow =
      if (kept.length == childOutput.length) identity
      else UnsafeProjection.create(kept, childOutput)
    if (capacity == 1) project else row => project(row).copy()
  }
  // Streaming evaluates call inputs on the child's row; buffering, on the kept copy.
  private val inputs: Array[Array[Expression]] = calls.map(_.children.map(
    BindReferences.bindReference(_, if (streaming) childOutput else kept)).toArray).toArray

  private val rows = new Array[InternalRow](capacity)
  private val results = Array.fill(calls.length)(new Array[Any](capacity))
  private val resultRow = new GenericInternalRow(calls.length)
  private val joined = new JoinedRow()
  private val project = UnsafeProjection.create(output, kept ++ resultAttrs)
  private var filled = 0
  private var emitted = 0

  override def hasNext: Boolean = emitted < filled || { fill(); filled > 0 }

  override def next(): InternalRow = {
    if (!hasNext) throw new NoSuchElementException("no more rows")
    var c = 0
    while (c < calls.length) { resultRow.update(c, results(c)(emitted)); c += 1 }
    val row = project(joined(rows(emitted), resultRow))
    emitted += 1
    row
  }

  private def fill(): Unit = {
    filled = 0
    emitted = 0
    if (streaming) fillStreaming()
    else {
      while (filled < capacity && input.hasNext) {
        rows(filled) = keep(input.next())
        filled += 1
      }
      if (filled > 0) {
        var c = 0
        while (c < calls.length) { scoreCall(c); c += 1 }
      }
    }
    metrics.outputRows += filled
  }

  // Streaming: per call, the reused argument values and the rows appended since its last run.
  private val argValues = calls.map(c => new Array[Any](c.children.length)).toArray
  private val appendedRows = Array.fill(calls.length)(new Array[Int](capacity))
  // Scorer time already in the metrics: appends are timed before their batch runs.
  private val reportedOrt = new Array[Long](calls.length)
  private val reportedConvert = new Array[Long](calls.length)

  private def fillStreaming(): Unit = {
    while (filled < capacity && input.hasNext) {
      val row = input.next()
      var c = 0
      while (c < calls.length) { append(c, row); c += 1 }
      rows(filled) = keep(row)
      filled += 1
    }
    var c = 0
    while (c < calls.length) { runAppended(c); c += 1 }
  }

  /** Appends `row`'s inputs to call `c`'s batch, running it when full; a null input: null. */
  private def append(c: Int, row: InternalRow): Unit = {
    val arguments = inputs(c)
    val values = argValues(c)
    var a = 0
    var hasNull = false
    while (a < arguments.length && !hasNull) {
      values(a) = arguments(a).eval(row)
      hasNull = values(a) == null
      a += 1
    }
    results(c)(filled) = null
    if (!hasNull) {
      val scorer = scorers(c)
      appendedRows(c)(scorer.pending) = filled
      scorer.append(values)
      if (scorer.pending == batchSizes(c)) runAppended(c)
    }
  }

  private def runAppended(c: Int): Unit = {
    val scorer = scorers(c)
    val rowsOf = appendedRows(c)
    val size = scorer.pending
    if (size > 0) {
      val scored = scorer.runAppended()
      var k = 0
      while (k < size) { results(c)(rowsOf(k)) = scored(k); k += 1 }
      metrics.batches += 1
      metrics.ortNanos += scorer.runNanos - reportedOrt(c)
      metrics.convertNanos += scorer.convertNanos - reportedConvert(c)
      reportedOrt(c) = scorer.runNanos
      reportedConvert(c) = scorer.convertNanos
    }
  }

  /** Scores call `c` on the filled rows whose inputs are all non-null; others get null. */
  private def scoreCall(c: Int): Unit = {
    val arguments = inputs(c)
    val values = Array.fill(arguments.length)(new Array[Any](filled))
    val rowOf = new Array[Int](filled)
    var kept = 0
    var r = 0
    while (r < filled) {
      var a = 0
      var hasNull = false
      while (a < arguments.length && !hasNull) {
        val value = arguments(a).eval(rows(r))
        values(a)(kept) = value
        hasNull = value == null
        a += 1
      }
      results(c)(r) = null
      if (!hasNull) { rowOf(kept) = r; kept += 1 }
      r += 1
    }
    val scorer = scorers(c)
    val (ort, convert) = (scorer.runNanos, scorer.convertNanos)
    val chunk = batchSizes(c)
    var start = 0
    while (start < kept) {
      val size = math.min(chunk, kept - start)
      val slice = if (start == 0 && size == kept) values else values.map(_.slice(start, start + size))
      val scored =
        if (calls(c).failOnError) scorer.score(slice, size) else scorer.tryScore(slice, size)
      var k = 0
      while (k < size) { results(c)(rowOf(start + k)) = scored(k); k += 1 }
      metrics.batches += 1
      start += size
    }
    metrics.ortNanos += scorer.runNanos - ort
    metrics.convertNanos += scorer.convertNanos - convert
  }

  private def close(): Unit = scorers.foreach(_.close())
}
