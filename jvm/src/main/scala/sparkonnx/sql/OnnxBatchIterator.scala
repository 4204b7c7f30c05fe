package sparkonnx.sql

import org.apache.spark.TaskContext
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions._

import sparkonnx.tensor.BatchScorer

/**
 * The per-partition loop of [[OnnxEvalExec]]: buffers up to the largest batch size of rows
 * (copied, since the child reuses its row objects; only the columns the calls read or the
 * output passes through), scores each call on the filled rows whose inputs are all non-null,
 * and emits the pass-through columns ++ results. Scorers, and through them the sessions they
 * lease and their direct buffers, live until the task completes.
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
  // The child columns a buffered row keeps: what the calls read and what the output passes on.
  private val kept: Seq[Attribute] = {
    val needed = AttributeSet(calls.flatMap(_.references)) ++ AttributeSet(output)
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
  private val inputs: Array[Array[Expression]] =
    calls.map(_.children.map(BindReferences.bindReference(_, kept)).toArray).toArray
  private val scorers: Array[BatchScorer] =
    calls.map(c => c.binding.newScorer(c.sessionOptions.forCurrentTask, sessionCacheMaxBytes))
      .toArray
  Option(TaskContext.get()).foreach(_.addTaskCompletionListener[Unit](_ => close()))

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
    while (filled < capacity && input.hasNext) {
      rows(filled) = keep(input.next())
      filled += 1
    }
    if (filled > 0) {
      var c = 0
      while (c < calls.length) { scoreCall(c); c += 1 }
      metrics.outputRows += filled
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
