package sparkonnx.tensor

import org.apache.spark.sql.types.DataType

import sparkonnx.model.{ModelBytesSource, OnnxModel}
import sparkonnx.runtime.SessionOptions

/**
 * A model bound to a call's arguments, whatever feeds it: tensors from columns ([[ModelBinding]])
 * or texts through a tokenizer ([[TextBinding]]). Pure: made at analysis; [[open]] runs it.
 */
trait CallBinding extends Serializable {
  def modelName: String
  def model: OnnxModel

  /** The call's result type. */
  def dataType: DataType

  /** Whether argument `i` takes one constant value for the whole run. */
  def isConstant(i: Int): Boolean

  /** Each row is one complete run (the call option `wholeCall`). */
  def wholeCall: Boolean

  /** The rows per run when the model fixes its batch dimension. */
  def fixedBatchSize: Option[Int]

  /** Input bytes of one row when they do not depend on the data. */
  def inputBytesPerRow: Option[Long]

  /** A scorer for one task: the shared session leased, `constants` by argument. */
  def open(source: ModelBytesSource, options: SessionOptions, constants: Array[Any]): Scorer
}

/**
 * Runs one bound model for one task: rows are appended, a run scores the rows appended since the
 * last one and returns one result per row, in the order they were appended. Not thread-safe.
 */
trait Scorer extends AutoCloseable {

  /** Rows appended since the last run. */
  def pending: Int

  /** Input bytes appended since the last run. */
  def pendingBytes: Long

  /** Input bytes of one row appended since the last run (for the byte cap). */
  def pendingRowBytes: Long

  /** The dims of each per-row argument's value in `values`; throws the row's error. */
  def shapes(values: Array[Any]): Array[Array[Long]]

  /** Whether a row of these value dims can join the rows appended since the last run. */
  def accepts(shapes: Array[Array[Long]]): Boolean

  /** Appends one row's argument values (none null) of dims `shapes`. */
  def append(values: Array[Any], shapes: Array[Array[Long]]): Unit

  /** Drops the rows appended since the last run. */
  def discardAppended(): Unit

  /** Scores the rows appended since the last run; one result per row, in order. */
  def runAppended(): Array[Any]

  /** Nanoseconds spent converting values to tensors and back, and inside ONNX Runtime. */
  def convertNanos: Long
  def runNanos: Long
}
