package sparkonnx.tensor

import ai.onnxruntime.{OnnxTensor, OnnxValue}
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData
import org.apache.spark.sql.catalyst.util.{ArrayData, GenericArrayData}
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.Platform
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec}

/**
 * Splits one output tensor of a batch into per-row Spark values: a `[N]` tensor gives a
 * scalar per row, `[N,k]` an array, deeper tensors nested arrays. The Spark type is fixed at
 * analysis time by the declared rank and element type.
 */
private[tensor] final class TensorDecoder(model: String, val spec: TensorSpec)
  extends OutputDecoder {

  private val leaf: DataType = TypeMapping.outputLeaf(spec.elementType)
    .filter(_ => spec.rank >= 1)
    .getOrElse(throw OnnxErrors.unsupportedTensorType(model, "output", spec))

  private val depth = spec.rank - 1

  val dataType: DataType =
    (0 until depth).foldLeft(leaf)((inner, _) => ArrayType(inner, containsNull = false))

  /** One Spark value per row of the tensor `value`, whose leading dim must be `rows`. */
  override def decode(value: OnnxValue, rows: Int): Array[Any] = {
    val tensor = value.asInstanceOf[OnnxTensor]
    val shape = tensor.getInfo.getShape
    if (shape.length != spec.rank || shape(0) != rows) {
      throw new IllegalStateException(s"output ${spec.name} of model $model has shape " +
        s"${shape.mkString("[", ",", "]")}, expected ${spec.shapeString} with $rows rows")
    }
    val rowDims = shape.drop(1).map(_.toInt)
    val perRow = rowDims.product
    val out = new Array[Any](rows)
    spec.elementType match {
      case ElementType.Float =>
        val data = new Array[Float](rows * perRow)
        tensor.getFloatBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.FLOAT_ARRAY_OFFSET, 4, data)
      case ElementType.Double =>
        val data = new Array[Double](rows * perRow)
        tensor.getDoubleBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.DOUBLE_ARRAY_OFFSET, 8, data)
      case ElementType.Int64 =>
        val data = new Array[Long](rows * perRow)
        tensor.getLongBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.LONG_ARRAY_OFFSET, 8, data)
      case ElementType.Int32 =>
        val data = new Array[Int](rows * perRow)
        tensor.getIntBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.INT_ARRAY_OFFSET, 4, data)
      case ElementType.Int16 =>
        val data = new Array[Short](rows * perRow)
        tensor.getShortBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.SHORT_ARRAY_OFFSET, 2, data)
      case ElementType.Int8 =>
        val data = new Array[Byte](rows * perRow)
        tensor.getByteBuffer.get(data)
        fill(out, rowDims, perRow, i => data(i), Platform.BYTE_ARRAY_OFFSET, 1, data)
      case ElementType.UInt8 =>
        val bytes = new Array[Byte](rows * perRow)
        tensor.getByteBuffer.get(bytes)
        val data = bytes.map(b => (b & 0xff).toShort)
        fill(out, rowDims, perRow, i => data(i), Platform.SHORT_ARRAY_OFFSET, 2, data)
      case ElementType.Float16 | ElementType.BFloat16 =>
        val bits = new Array[Short](rows * perRow)
        tensor.getShortBuffer.get(bits)
        val data = new Array[Float](bits.length)
        var k = 0
        if (spec.elementType == ElementType.Float16) {
          while (k < bits.length) { data(k) = HalfFloats.fromFloat16(bits(k)); k += 1 }
        } else {
          while (k < bits.length) { data(k) = HalfFloats.fromBFloat16(bits(k)); k += 1 }
        }
        fill(out, rowDims, perRow, i => data(i), Platform.FLOAT_ARRAY_OFFSET, 4, data)
      case ElementType.Bool =>
        val bytes = new Array[Byte](rows * perRow)
        tensor.getByteBuffer.get(bytes)
        val data = bytes.map(_ != 0)
        fill(out, rowDims, perRow, i => data(i), Platform.BOOLEAN_ARRAY_OFFSET, 1, data)
      case ElementType.StringType =>
        val data = flattenStrings(tensor.getValue, rows * perRow)
        fill(out, rowDims, perRow, i => data(i), -1, -1, data)
      case other => throw new IllegalStateException(s"no decoder for $other")
    }
    out
  }

  /**
   * Slices the flat data into rows. Innermost primitive arrays are copied in one block into
   * `UnsafeArrayData`; strings and outer levels use generic arrays.
   */
  private def fill(
      out: Array[Any],
      rowDims: Array[Int],
      perRow: Int,
      element: Int => Any,
      baseOffset: Int,
      elementSize: Int,
      data: AnyRef): Unit = {
    def slice(start: Int, dims: Array[Int]): ArrayData = {
      val length = dims(0)
      if (dims.length == 1) {
        if (elementSize > 0) {
          UnsafeArrayData.fromPrimitiveArray(data, baseOffset + start * elementSize, length,
            elementSize)
        } else {
          new GenericArrayData(Array.tabulate[Any](length)(i => element(start + i)))
        }
      } else {
        val inner = dims.drop(1)
        val innerSize = inner.product
        new GenericArrayData(Array.tabulate[Any](length)(i => slice(start + i * innerSize, inner)))
      }
    }
    var r = 0
    while (r < out.length) {
      out(r) = if (rowDims.isEmpty) element(r) else slice(r * perRow, rowDims)
      r += 1
    }
  }

  private def flattenStrings(value: AnyRef, size: Int): Array[UTF8String] = {
    val flat = new Array[UTF8String](size)
    var next = 0
    def walk(v: Any): Unit = v match {
      case strings: Array[String] => strings.foreach { s =>
          flat(next) = UTF8String.fromString(s); next += 1
        }
      case nested: Array[_] => nested.foreach(walk)
      case other => throw new IllegalStateException(s"unexpected string tensor value $other")
    }
    walk(value)
    flat
  }
}
