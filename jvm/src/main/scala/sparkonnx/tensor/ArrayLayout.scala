package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData
import org.apache.spark.sql.catalyst.util.ArrayData
import org.apache.spark.sql.types._
import org.apache.spark.sql.vectorized.ColumnarArray
import org.apache.spark.unsafe.Platform

/**
 * (Nested) arrays, flattened row-major. Innermost arrays whose elements Spark stores exactly as the
 * tensor does are copied as one block; others go element by element through `writer`. A null
 * element anywhere is an error naming the column.
 */
private[tensor] final class ArrayLayout(
    context: InputContext,
    columnType: DataType,
    writer: ElementWriter
) extends RowLayout {

  private val (leaf, levels) = TypeMapping.leafAndDepth(columnType)
  private val elementSize = context.spec.elementType.byteSize
  private val bulkCopy = TypeMapping.sameLayout(leaf, context.spec.elementType)
  // Chosen once: the block copy out of a column vector for this leaf type, if it has one.
  private val columnarCopy = if (bulkCopy) ArrayLayout.columnarCopy(leaf) else None
  private val mayHoldNulls = leafMayBeNull(columnType)

  override def depth: Int = levels

  override def dims(value: Any): Array[Long] = {
    val array = value.asInstanceOf[ArrayData]
    val found = new Array[Long](levels)
    lengthsAt(array, 0, found)
    if (levels > 1) checkRectangular(array, 0, found)
    found
  }

  override def writeRows(
      values: Array[Any],
      rows: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer
  ): Unit = {
    var r = 0
    while (r < rows) {
      writeArray(values(r).asInstanceOf[ArrayData], levels, buffer, direct)
      r += 1
    }
  }

  override def writeRow(value: Any, buffer: ByteBuffer, direct: DirectBuffer): Unit =
    writeArray(value.asInstanceOf[ArrayData], levels, buffer, direct)

  /** Visits every innermost array in order; `String` tensors collect their leaves with it. */
  def foreachLeafArray(value: Any)(visit: ArrayData => Unit): Unit = {
    def walk(array: ArrayData, level: Int): Unit =
      if (level == 1) visit(array)
      else {
        var i = 0
        while (i < array.numElements()) {
          if (array.isNullAt(i)) throw context.nullInArray
          walk(array.getArray(i), level - 1)
          i += 1
        }
      }
    walk(value.asInstanceOf[ArrayData], levels)
  }

  private def writeArray(
      array: ArrayData,
      level: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer
  ): Unit = {
    val n = array.numElements()
    var i = 0
    if (level == 1) {
      if (mayHoldNulls && ArrayLayout.hasNullElement(array, n)) throw context.nullInArray
      array match {
        case unsafe: UnsafeArrayData if bulkCopy =>
          direct.copyFrom(
            unsafe.getBaseObject,
            unsafe.getBaseOffset + UnsafeArrayData.calculateHeaderPortionInBytes(n),
            n * elementSize
          )
        case columnar: ColumnarArray if columnarCopy.isDefined =>
          columnarCopy.get.copy(columnar, n, direct)
        case _ =>
          while (i < n) { writer.write(array, i, buffer); i += 1 }
      }
    } else {
      while (i < n) {
        if (array.isNullAt(i)) throw context.nullInArray
        writeArray(array.getArray(i), level - 1, buffer, direct)
        i += 1
      }
    }
  }

  /** Lengths along the first element at each level: the dims if the value is rectangular. */
  private def lengthsAt(array: ArrayData, level: Int, found: Array[Long]): Unit = {
    val n = array.numElements()
    found(level) = n
    if (level + 1 < levels) {
      if (n == 0) java.util.Arrays.fill(found, level + 1, levels, 0L)
      else {
        if (array.isNullAt(0)) throw context.nullInArray
        lengthsAt(array.getArray(0), level + 1, found)
      }
    }
  }

  /** Every array at each level has the first one's length; else the row is ragged. */
  private def checkRectangular(array: ArrayData, level: Int, dims: Array[Long]): Unit = {
    val n = array.numElements()
    if (n != dims(level)) throw ragged(level)
    if (level + 1 < levels) {
      var i = 0
      while (i < n) {
        if (array.isNullAt(i)) throw context.nullInArray
        checkRectangular(array.getArray(i), level + 1, dims)
        i += 1
      }
    }
  }

  private def ragged(level: Int): RuntimeException = new RaggedArray(level)

  private def leafMayBeNull(dataType: DataType): Boolean = dataType match {
    case ArrayType(inner: ArrayType, _) => leafMayBeNull(inner)
    case ArrayType(_, containsNull) => containsNull
    case _ => false
  }
}

/** Thrown by `dims` for a non-rectangular value; the encoder turns it into the row's error. */
private[tensor] final class RaggedArray(val level: Int)
    extends RuntimeException(
      s"arrays at nesting level ${level + 1} differ in length",
      null,
      false,
      false
    )

private object ArrayLayout {

  /** Copies `n` elements of a column vector's slice into the buffer at its position. */
  trait ColumnarCopy extends Serializable {
    def copy(array: ColumnarArray, n: Int, direct: DirectBuffer): Unit
  }

  /**
   * The block copy for a row of a Parquet or ORC column read by the columnar input path, whose
   * `leaf` elements the tensor stores as Spark does: one bulk read out of the vector, one block
   * copy into the buffer. None for other leaves, which are written element by element.
   */
  def columnarCopy(leaf: DataType): Option[ColumnarCopy] = leaf match {
    case FloatType =>
      Some((a, n, d) => d.copyFrom(a.toFloatArray, Platform.FLOAT_ARRAY_OFFSET, n * 4))
    case DoubleType =>
      Some((a, n, d) => d.copyFrom(a.toDoubleArray, Platform.DOUBLE_ARRAY_OFFSET, n * 8))
    case LongType =>
      Some((a, n, d) => d.copyFrom(a.toLongArray, Platform.LONG_ARRAY_OFFSET, n * 8))
    case IntegerType =>
      Some((a, n, d) => d.copyFrom(a.toIntArray, Platform.INT_ARRAY_OFFSET, n * 4))
    case ShortType =>
      Some((a, n, d) => d.copyFrom(a.toShortArray, Platform.SHORT_ARRAY_OFFSET, n * 2))
    case ByteType => Some((a, n, d) => d.copyFrom(a.toByteArray, Platform.BYTE_ARRAY_OFFSET, n))
    case _ => None
  }

  /**
   * Whether any of the `n` elements is null. Columns read from Parquet or Arrow are declared
   * nullable even when no element is null, so this runs for every row: an `UnsafeArrayData` answers
   * a word (64 elements) at a time from its null bits, which follow the 8-byte count.
   */
  def hasNullElement(array: ArrayData, n: Int): Boolean = array match {
    case unsafe: UnsafeArrayData =>
      val base = unsafe.getBaseObject
      val bits = unsafe.getBaseOffset + 8
      val fullWords = n / 64
      var w = 0
      var found = false
      while (w < fullWords && !found) {
        found = Platform.getLong(base, bits + w * 8L) != 0
        w += 1
      }
      val tail = n % 64
      def tailBits = Platform.getLong(base, bits + fullWords * 8L) & ((1L << tail) - 1)
      found || (tail > 0 && tailBits != 0)
    case _ =>
      var i = 0
      while (i < n && !array.isNullAt(i)) i += 1
      i < n
  }
}
