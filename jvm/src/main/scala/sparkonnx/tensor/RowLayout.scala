package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec}

/** What an input's errors name: the model, the input and the column feeding it. */
private[tensor] final case class InputContext(model: String, column: String, spec: TensorSpec) {

  def nullInArray: RuntimeException = OnnxErrors.nullInArray(model, spec, column)

  def outOfRange(value: Long, range: String): RuntimeException =
    OnnxErrors.valueOutOfRange(model, spec, column, value, range)

  def shapeMismatch(expected: String, actual: String): RuntimeException =
    OnnxErrors.inputShapeMismatch(model, spec, column, expected, actual)
}

/**
 * How one row's value of a column becomes a run of tensor elements: a scalar, (nested) arrays, a
 * byte string or an ML vector. Chosen once per input at analysis time, so reading a batch does no
 * type dispatch.
 */
private[tensor] trait RowLayout extends Serializable {

  /** Array levels around the leaf: 0 for scalars, binary and vectors. */
  def depth: Int

  /**
   * The dims of one row's value, outermost first (one per array level; a byte string or a vector is
   * one dim): checked to be rectangular, else the row's error is thrown.
   */
  def dims(value: Any): Array[Long]

  /** Writes rows `0 until rows` of `values` at the buffer's position, row after row. */
  def writeRows(values: Array[Any], rows: Int, buffer: ByteBuffer, direct: DirectBuffer): Unit

  /** Writes one row's value at the buffer's position. */
  def writeRow(value: Any, buffer: ByteBuffer, direct: DirectBuffer): Unit =
    writeRows(Array(value), 1, buffer, direct)
}

private[tensor] object RowLayout {

  /** The layout for a `columnType` column feeding `context.spec`, or None if it cannot. */
  def choose(context: InputContext, columnType: DataType): Option[RowLayout] = {
    val spec = context.spec
    val element = spec.elementType
    val (leaf, depth) = TypeMapping.leafAndDepth(columnType)
    if (TypeMapping.isVector(columnType) && TypeMapping.vectorsFeed(element)) {
      Some(new VectorLayout(context, ElementWriter(DoubleType, element, context)))
    } else if (columnType == BinaryType && TypeMapping.binaryFeeds(element)) {
      Some(BinaryLayout)
    } else if (!TypeMapping.feeds(element).contains(leaf)) {
      None
    } else {
      // String tensors are built from a String array, not a buffer: they need no writer.
      val writer =
        if (element == ElementType.StringType) null else ElementWriter(leaf, element, context)
      if (depth > 0) Some(new ArrayLayout(context, columnType, writer))
      else Some(new ScalarLayout(writer))
    }
  }
}

/** One number per row: the batch's values are themselves the array the writer reads. */
private[tensor] final class ScalarLayout(writer: ElementWriter) extends RowLayout {
  override def depth: Int = 0

  override def dims(value: Any): Array[Long] = ScalarLayout.NoDims

  override def writeRows(
      values: Array[Any],
      rows: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer
  ): Unit = {
    val column = new GenericArrayData(values)
    var r = 0
    while (r < rows) { writer.write(column, r, buffer); r += 1 }
  }
}

private object ScalarLayout {
  val NoDims: Array[Long] = Array.empty
}

/** A `binary` column into a uint8 input: each row's bytes, copied as one block. */
private[tensor] object BinaryLayout extends RowLayout {
  override def depth: Int = 0

  override def dims(value: Any): Array[Long] = Array(value.asInstanceOf[Array[Byte]].length.toLong)

  override def writeRows(
      values: Array[Any],
      rows: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer
  ): Unit = {
    var r = 0
    while (r < rows) {
      val bytes = values(r).asInstanceOf[Array[Byte]]
      direct.copyFrom(bytes, org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET, bytes.length)
      r += 1
    }
  }
}
