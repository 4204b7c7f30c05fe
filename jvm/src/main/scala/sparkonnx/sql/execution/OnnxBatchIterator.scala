package sparkonnx.sql.execution

import scala.util.control.NonFatal

import org.apache.spark.TaskContext
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback

import sparkonnx.model.ModelBytesSource
import sparkonnx.sql.functions.OnnxPredict
import sparkonnx.tensor.Scorer

/**
 * The per-partition loop of [[OnnxEvalExec]]: reads up to the largest batch size of rows, appends
 * each call's inputs to its scorer as the row arrives (straight from the child's row: the kept rows
 * hold only the columns the output passes on), runs a call whenever its batch is full, reaches
 * `maxBytes`, or the next row's value shape differs (images of other sizes, texts of other lengths:
 * consecutive runs of equal shape), and emits pass-through columns ++ results in input order. A row
 * with a null input gets null.
 *
 * `try_onnx_predict` calls keep whole rows, so a row that cannot be encoded is nulled on the spot
 * and a batch whose run fails is rescored row by row. Scorers (and the sessions they lease, and
 * their buffers) are made on the first row and live until the task completes.
 */
private[execution] final class OnnxBatchIterator(
    input: Iterator[InternalRow],
    childOutput: Seq[Attribute],
    calls: Seq[OnnxPredict],
    output: Seq[Attribute],
    batchSizes: Seq[Int],
    maxBytes: Long,
    sources: Seq[ModelBytesSource],
    metrics: OnnxEvalMetrics
) extends Iterator[InternalRow] {

  private val capacity = batchSizes.max
  private val failFast = calls.forall(_.failOnError)
  private val scorers = new Array[Scorer](calls.length)
  private lazy val constants: Array[Array[Any]] = calls.map(_.constantValues).toArray
  Option(TaskContext.get()).foreach(_.addTaskCompletionListener[Unit](_ => close()))

  // The child columns a kept row holds: what the output passes on, and, for rescoring a
  // failed try_onnx_predict batch row by row, what the calls read.
  private val kept: Seq[Attribute] = {
    val needed = AttributeSet(output) ++
      (if (failFast) AttributeSet.empty else AttributeSet(calls.flatMap(_.references)))
    childOutput.filter(needed.contains)
  }
  // A batch of one row (wide rows on the CPU: an image) is scored and emitted before the child
  // is asked for another, so the row object the child reuses can be read in place.
  private val keep: InternalRow => InternalRow = {
    val project: InternalRow => InternalRow =
      if (kept.length == childOutput.length) identity
      else UnsafeProjection.create(kept, childOutput)
    if (kept.isEmpty) _ => InternalRow.empty // nothing passes on: no copy per row
    else if (capacity == 1) project
    else row => project(row).copy()
  }
  // An argument that is a column of the child is read from the child's row in place, by an
  // accessor: the generated projection below copies every array, struct and string it returns (a
  // row's whole tensor, twice for a column batch's row, whose vector could otherwise be copied into
  // the tensor in one block). A deterministic argument that has no generated code of its own (an
  // image decoded into a tensor) is evaluated directly: the projection would only call the same
  // `eval` and copy its fresh result. The scorer encodes a row's values as it is appended, before
  // the child moves on, so nothing holds them after. None for other arguments.
  private val inPlaceInputs: Array[Array[Option[InternalRow => Any]]] =
    calls.map { call =>
      call.children.zipWithIndex.map {
        case (_, a) if call.binding.isConstant(a) => None
        case (column: Attribute, _) =>
          val ordinal = childOutput.indexWhere(_.exprId == column.exprId)
          if (ordinal < 0) None
          else {
            val read = InternalRow.getAccessor(column.dataType, nullable = true)
            Some((row: InternalRow) => read(row, ordinal))
          }
        case (argument: CodegenFallback, _) if argument.deterministic =>
          val bound = BindReferences.bindReference(argument: Expression, childOutput)
          Some((row: InternalRow) => bound.eval(row))
        case _ => None
      }.toArray
    }.toArray
  // Other inputs are read from the child's row as it arrives, by one generated projection per call
  // (interpreted evaluation of an argument such as array_repeat or transform boxes every element);
  // constants and the arguments read in place are left out of it. Rescoring reads the kept copy.
  private val inputs: Array[MutableProjection] = calls.zipWithIndex.map { case (call, c) =>
    val arguments = call.children.zipWithIndex.map { case (argument, a) =>
      if (call.binding.isConstant(a) || inPlaceInputs(c)(a).isDefined) {
        Literal(null, argument.dataType)
      } else argument
    }
    val projection = MutableProjection.create(arguments, childOutput)
    projection.initialize(Option(TaskContext.get()).map(_.partitionId()).getOrElse(0))
    projection
  }.toArray
  private val argumentTypes = calls.map(_.children.map(_.dataType).toArray).toArray
  // Whether a call has an argument for its projection (neither a constant nor read in place).
  private val projectsAny: Array[Boolean] = calls.zipWithIndex.map { case (call, c) =>
    call.children.indices.exists(a => !call.binding.isConstant(a) && inPlaceInputs(c)(a).isEmpty)
  }.toArray
  private lazy val keptInputs: Array[Array[Expression]] =
    calls.map(_.children.map(BindReferences.bindReference(_, kept)).toArray).toArray

  private val rows = new Array[InternalRow](capacity)
  private val results = Array.fill(calls.length)(new Array[Any](capacity))
  private val resultRow = new GenericInternalRow(calls.length)
  private val joined = new JoinedRow()
  private val project = UnsafeProjection.create(output, kept ++ resultAttrs)
  private var filled = 0
  private var emitted = 0

  private def resultAttrs: Seq[Attribute] =
    output.drop(output.length - calls.length)

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
      val row = input.next()
      var c = 0
      while (c < calls.length) { append(c, row, inputs(c)); c += 1 }
      rows(filled) = keep(row)
      filled += 1
    }
    var c = 0
    while (c < calls.length) { runAppended(c); c += 1 }
    metrics.outputRows += filled
  }

  // Per call: the reused argument values, and the rows appended since its last run.
  private val argValues = calls.map(c => new Array[Any](c.children.length)).toArray
  private val appendedRows = Array.fill(calls.length)(new Array[Int](capacity))
  // Scorer time already in the metrics: appends are timed before their batch runs.
  private val reportedOrt = new Array[Long](calls.length)
  private val reportedConvert = new Array[Long](calls.length)

  private def scorer(c: Int): Scorer = {
    if (scorers(c) == null) {
      val call = calls(c)
      scorers(c) = call.binding.open(sources(c), call.sessionOptions.forCurrentTask, constants(c))
    }
    scorers(c)
  }

  /**
   * Appends `row`'s inputs to call `c`'s batch, running it first when the row's value shapes differ
   * from the batch's, and after when the batch is full: a null input gives null.
   */
  private def append(c: Int, row: InternalRow, arguments: MutableProjection): Unit = {
    results(c)(filled) = null
    val values = argValues(c)
    val constant = constants(c)
    val types = argumentTypes(c)
    val inPlace = inPlaceInputs(c)
    val projected = if (projectsAny(c)) arguments(row) else null
    var a = 0
    while (a < values.length) {
      values(a) =
        if (calls(c).binding.isConstant(a)) constant(a)
        else if (inPlace(a).isDefined) inPlace(a).get(row)
        else if (projected.isNullAt(a)) null
        else projected.get(a, types(a))
      if (values(a) == null) return
      a += 1
    }
    val scorer = this.scorer(c)
    try {
      val shapes = scorer.shapes(values)
      // A row of another shape, or one that would take the batch past its byte cap (a row of
      // the batch's shape has its rows' size), starts a new batch: a row larger than the cap
      // runs alone, since it has a shape of its own or fills the batch by itself.
      if (
        !scorer.accepts(shapes) ||
        (scorer.pending > 0 && scorer.pendingBytes + scorer.pendingRowBytes > maxBytes)
      ) {
        runAppended(c)
      }
      appendedRows(c)(scorer.pending) = filled
      scorer.append(values, shapes)
    } catch {
      case NonFatal(_) if !calls(c).failOnError => return
    }
    if (scorer.pending >= batchSizes(c) || scorer.pendingBytes >= maxBytes) runAppended(c)
  }

  private def runAppended(c: Int): Unit = {
    val scorer = scorers(c)
    if (scorer == null || scorer.pending == 0) return
    val rowsOf = appendedRows(c)
    val size = scorer.pending
    val scored =
      try scorer.runAppended()
      catch {
        case NonFatal(_) if !calls(c).failOnError => rescoreAlone(c, rowsOf.take(size))
      }
    var k = 0
    while (k < size) { results(c)(rowsOf(k)) = scored(k); k += 1 }
    metrics.batches += 1
    metrics.ortNanos += scorer.runNanos - reportedOrt(c)
    metrics.convertNanos += scorer.convertNanos - reportedConvert(c)
    reportedOrt(c) = scorer.runNanos
    reportedConvert(c) = scorer.convertNanos
  }

  /** `try_onnx_predict`: a failed batch's rows scored one at a time; a failing row gets null. */
  private def rescoreAlone(c: Int, rowIndices: Array[Int]): Array[Any] = {
    val scorer = scorers(c)
    rowIndices.map { r =>
      val values = argValues(c)
      val arguments = keptInputs(c)
      var a = 0
      while (a < arguments.length) {
        values(a) =
          if (calls(c).binding.isConstant(a)) constants(c)(a)
          else arguments(a).eval(rows(r))
        a += 1
      }
      try {
        scorer.append(values, scorer.shapes(values))
        scorer.runAppended()(0)
      } catch {
        case NonFatal(_) =>
          scorer.discardAppended()
          null
      }
    }
  }

  private def close(): Unit = scorers.foreach(s => if (s != null) s.close())
}
