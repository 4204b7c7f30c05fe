package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData
import org.apache.spark.sql.catalyst.util.ArrayData
import org.apache.spark.sql.vectorized.ColumnarArray
import org.apache.spark.unsafe.Platform

import sparkonnx.model.ElementType

/**
 * Spark ML vectors, read through `VectorUDT.sqlType`'s layout (type: 0 sparse, 1 dense; size;
 * indices; values) so no ML class is touched. Dense values feeding a double input are copied as one
 * block; sparse vectors are written densely: zeros, then their values at their indices.
 */
private[tensor] final class VectorLayout(context: InputContext, writer: ElementWriter)
    extends RowLayout {

  private val elementSize = context.spec.elementType.byteSize
  private val bulkCopy = context.spec.elementType == ElementType.Double

  override def depth: Int = 0

  override def dims(value: Any): Array[Long] = {
    val vector = value.asInstanceOf[InternalRow]
    Array(
      (if (isDense(vector)) vector.getArray(Values).numElements() else vector.getInt(Size)).toLong
    )
  }

  override def writeRows(
      values: Array[Any],
      rows: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer
  ): Unit = {
    var r = 0
    while (r < rows) {
      val vector = values(r).asInstanceOf[InternalRow]
      if (isDense(vector)) writeDense(vector.getArray(Values), buffer, direct)
      else writeSparse(vector, buffer, direct)
      r += 1
    }
  }

  private def writeDense(array: ArrayData, buffer: ByteBuffer, direct: DirectBuffer): Unit = {
    val n = array.numElements()
    array match {
      case unsafe: UnsafeArrayData if bulkCopy =>
        direct.copyFrom(
          unsafe.getBaseObject,
          unsafe.getBaseOffset + UnsafeArrayData.calculateHeaderPortionInBytes(n),
          n * 8
        )
      case columnar: ColumnarArray if bulkCopy =>
        direct.copyFrom(columnar.toDoubleArray, Platform.DOUBLE_ARRAY_OFFSET, n * 8)
      case _ =>
        var i = 0
        while (i < n) { writer.write(array, i, buffer); i += 1 }
    }
  }

  private def writeSparse(vector: InternalRow, buffer: ByteBuffer, direct: DirectBuffer): Unit = {
    val size = vector.getInt(Size)
    val indices = vector.getArray(Indices)
    val values = vector.getArray(Values)
    val start = buffer.position()
    direct.zero(size * elementSize)
    var k = 0
    while (k < values.numElements()) {
      val index = indices.getInt(k)
      // SparseVector checks its indices when built; this guards rows made some other way.
      if (index < 0 || index >= size) throw context.outOfRange(index.toLong, s"0..${size - 1}")
      buffer.position(start + index * elementSize)
      writer.write(values, k, buffer)
      k += 1
    }
    buffer.position(start + size * elementSize)
  }

  private def isDense(vector: InternalRow): Boolean = vector.getByte(Type) == 1

  // Field ordinals of VectorUDT.sqlType.
  private final val Type = 0
  private final val Size = 1
  private final val Indices = 2
  private final val Values = 3
}
