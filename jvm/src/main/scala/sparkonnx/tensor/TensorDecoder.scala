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
 * Splits one output tensor of a run into per-row Spark values along its batch axis: a `[N]` tensor
 * gives a scalar per row, `[N,k]` an array, deeper tensors nested arrays. In whole-call mode the
 * whole tensor is the row's value (a scalar for rank 0). The Spark type is fixed at analysis time
 * by the declared rank and element type.
 */
private[tensor] final class TensorDecoder(model: String, val spec: TensorSpec, split: OutputSplit)
    extends OutputDecoder {

  private val leaf: DataType = TypeMapping
    .outputLeaf(spec.elementType)
    .filter(_ => spec.shapeKnown)
    .getOrElse(throw OnnxErrors.unsupportedTensorType(model, "output", spec))

  private val depth = split match {
    case OutputSplit.PerRow(_, _) => spec.rank - 1
    case OutputSplit.Whole => spec.rank
  }

  val dataType: DataType =
    (0 until depth).foldLeft(leaf)((inner, _) => ArrayType(inner, containsNull = false))

  /** One Spark value per row of the tensor `value`, whose batch axis must hold `rows`. */
  override def decode(value: OnnxValue, rows: Int): Array[Any] = {
    val tensor = value.asInstanceOf[OnnxTensor]
    val shape = tensor.getInfo.getShape
    split match {
      case OutputSplit.PerRow(axis, _) =>
        if (shape.length != spec.rank || shape(axis) != rows) {
          throw OnnxErrors.outputShapeMismatch(
            model,
            spec.name,
            shape.mkString("[", ",", "]"),
            rows,
            axis
          )
        }
        decodeRows(
          tensor,
          rows,
          shape.patch(axis, Nil, 1).map(_.toInt),
          shape.take(axis).product.toInt
        )
      case OutputSplit.Whole =>
        if (shape.length != spec.rank) {
          throw OnnxErrors.outputShapeMismatch(
            model,
            spec.name,
            shape.mkString("[", ",", "]"),
            1,
            -1
          )
        }
        decodeRows(tensor, 1, shape.map(_.toInt), 1)
    }
  }

  /**
   * `rows` values of dims `rowDims` from `tensor`, whose batch axis has `outer` elements' worth of
   * dims before it (1 when it leads).
   */
  private def decodeRows(
      tensor: OnnxTensor,
      rows: Int,
      rowDims: Array[Int],
      outer: Int
  ): Array[Any] = {
    val perRow = rowDims.product
    val total = rows * perRow
    val out = new Array[Any](rows)
    def rowMajor[A <: AnyRef](data: A): A = TensorDecoder.batchFirst(data, rows, perRow, outer)
    spec.elementType match {
      case ElementType.Float =>
        val data = rowMajor { val d = new Array[Float](total); tensor.getFloatBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.FLOAT_ARRAY_OFFSET, 4, data)
      case ElementType.Double =>
        val data = rowMajor { val d = new Array[Double](total); tensor.getDoubleBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.DOUBLE_ARRAY_OFFSET, 8, data)
      case ElementType.Int64 =>
        val data = rowMajor { val d = new Array[Long](total); tensor.getLongBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.LONG_ARRAY_OFFSET, 8, data)
      case ElementType.Int32 =>
        val data = rowMajor { val d = new Array[Int](total); tensor.getIntBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.INT_ARRAY_OFFSET, 4, data)
      case ElementType.Int16 =>
        val data = rowMajor { val d = new Array[Short](total); tensor.getShortBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.SHORT_ARRAY_OFFSET, 2, data)
      case ElementType.Int8 =>
        val data = rowMajor { val d = new Array[Byte](total); tensor.getByteBuffer.get(d); d }
        fill(out, rowDims, perRow, i => data(i), Platform.BYTE_ARRAY_OFFSET, 1, data)
      case ElementType.UInt8 =>
        val bytes = rowMajor { val d = new Array[Byte](total); tensor.getByteBuffer.get(d); d }
        val data = bytes.map(b => (b & 0xff).toShort)
        fill(out, rowDims, perRow, i => data(i), Platform.SHORT_ARRAY_OFFSET, 2, data)
      case ElementType.Float16 | ElementType.BFloat16 =>
        val bits = rowMajor { val d = new Array[Short](total); tensor.getShortBuffer.get(d); d }
        val data = new Array[Float](bits.length)
        var k = 0
        if (spec.elementType == ElementType.Float16) {
          while (k < bits.length) { data(k) = HalfFloats.fromFloat16(bits(k)); k += 1 }
        } else {
          while (k < bits.length) { data(k) = HalfFloats.fromBFloat16(bits(k)); k += 1 }
        }
        fill(out, rowDims, perRow, i => data(i), Platform.FLOAT_ARRAY_OFFSET, 4, data)
      case ElementType.Bool =>
        val bytes = rowMajor { val d = new Array[Byte](total); tensor.getByteBuffer.get(d); d }
        val data = bytes.map(_ != 0)
        fill(out, rowDims, perRow, i => data(i), Platform.BOOLEAN_ARRAY_OFFSET, 1, data)
      case ElementType.StringType =>
        val data = rowMajor(flattenStrings(tensor.getValue, total))
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
      data: AnyRef
  ): Unit = {
    def slice(start: Int, dims: Array[Int]): ArrayData = {
      val length = dims(0)
      if (dims.length == 1) {
        if (elementSize > 0) {
          UnsafeArrayData.fromPrimitiveArray(
            data,
            baseOffset + start * elementSize,
            length,
            elementSize
          )
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
      case strings: Array[String] =>
        strings.foreach { s =>
          flat(next) = UTF8String.fromString(s); next += 1
        }
      case nested: Array[_] => nested.foreach(walk)
      case other => throw new IllegalStateException(s"unexpected string tensor value $other")
    }
    value match {
      case strings: Array[_] => walk(strings)
      case scalar: String => flat(0) = UTF8String.fromString(scalar)
      case other => walk(other)
    }
    flat
  }
}

private object TensorDecoder {

  /**
   * `data` reordered so each row's elements are contiguous: the batch axis had `outer` elements'
   * worth of dims before it, so block `a` of row `r` sat at `(a * rows + r)`.
   */
  def batchFirst[A <: AnyRef](data: A, rows: Int, perRow: Int, outer: Int): A =
    if (outer <= 1 || rows == 0) data
    else {
      val moved = java.lang.reflect.Array
        .newInstance(data.getClass.getComponentType, rows * perRow)
        .asInstanceOf[A]
      val block = perRow / outer
      var r = 0
      while (r < rows) {
        var a = 0
        while (a < outer) {
          System.arraycopy(data, (a * rows + r) * block, moved, r * perRow + a * block, block)
          a += 1
        }
        r += 1
      }
      moved
    }
}
