package sparkonnx.tensor

import java.nio.ByteBuffer

import ai.onnxruntime.{OnnxJavaType, OnnxTensor, OrtEnvironment}
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec}

/**
 * Turns the values of one column, a batch of rows at a time, into the tensor for one model
 * input. Rows are scalars, (nested) arrays, byte strings or ML vectors (see [[RowLayout]]),
 * flattened row-major and reshaped into the input's dims. Built at analysis time: a column
 * that cannot feed the input fails there.
 */
final class InputEncoder(
    model: String,
    column: String,
    val spec: TensorSpec,
    columnType: DataType)
  extends Serializable {

  private val context = InputContext(model, column, spec)

  // Maps, sequences, and element types no Spark column converts to (uint16, complex...).
  if (!spec.isTensor || TypeMapping.describeFeeds(spec.elementType).isEmpty) {
    throw OnnxErrors.unsupportedTensorType(model, "input", spec)
  }

  private val layout: RowLayout = RowLayout.choose(context, columnType)
    .filter(_ => spec.rank > 0)
    .getOrElse(throw OnnxErrors.inputTypeMismatch(model, spec, column,
      columnType.simpleString, TypeMapping.describeFeeds(spec.elementType)))

  private val isString = spec.elementType == ElementType.StringType
  private val elementSize = spec.elementType.byteSize

  /** Checks one row's value; None when it fits the input, else the error for that row. */
  def check(value: Any): Option[RuntimeException] =
    try {
      val count = layout.count(value)
      if (spec.staticRowSize.exists(_ != count)) Some(shapeError(count)) else None
    } catch { case e: RuntimeException => Some(e) }

  /**
   * Encodes `values(0 until rows)`, none of them null, into a tensor over `buffer`, which must
   * stay untouched until the tensor is closed.
   */
  def encode(
      env: OrtEnvironment,
      values: Array[Any],
      rows: Int,
      buffer: DirectBuffer): OnnxTensor = {
    val perRow = layout.count(values(0))
    var r = 1
    while (r < rows) {
      val count = layout.count(values(r))
      if (count != perRow) throw shapeError(count, perRow.toString)
      r += 1
    }
    val shape = tensorShape(rows, perRow, values(0))
    if (isString) encodeStrings(env, values, rows, perRow, shape)
    else {
      val bytes = buffer.reset(rows * perRow * elementSize)
      layout.writeRows(values, rows, bytes, buffer)
      bytes.rewind()
      tensorOver(env, bytes, shape)
    }
  }

  /** Whether rows can be appended one at a time ([[append]]): every input but strings. */
  def appends: Boolean = !isString

  /** Elements in one row's value (throws that row's error when the value is unusable). */
  def count(value: Any): Int = layout.count(value)

  /** The tensor shape of one row like `first` (checking it fits the input), batch dim 1. */
  def shapeOfOne(first: Any, perRow: Int): Array[Long] = tensorShape(1, perRow, first)

  /**
   * Writes `value`, row `row` of a batch, after rows `0 until row` in `buffer`; `perRow` is
   * row 0's element count ([[count]]), which every row must have.
   */
  def append(value: Any, row: Int, perRow: Int, buffer: DirectBuffer): Unit = {
    val count = layout.count(value)
    if (count != perRow) throw shapeError(count, perRow.toString)
    layout.writeRow(value, buffer.extend(row * count * elementSize, count * elementSize), buffer)
  }

  /** A tensor over the `rows` rows appended to `buffer`, shaped like `shapeOfOne`'s. */
  def appended(env: OrtEnvironment, buffer: DirectBuffer, rows: Int, perRow: Int,
      shapeOfOne: Array[Long]): OnnxTensor = {
    val shape = shapeOfOne.clone()
    shape(0) = rows
    tensorOver(env, buffer.filled(rows * perRow * elementSize), shape)
  }

  private def tensorOver(env: OrtEnvironment, bytes: ByteBuffer, shape: Array[Long]): OnnxTensor =
    spec.elementType match {
      case ElementType.Float => OnnxTensor.createTensor(env, bytes.asFloatBuffer(), shape)
      case ElementType.Double => OnnxTensor.createTensor(env, bytes.asDoubleBuffer(), shape)
      case ElementType.Int64 => OnnxTensor.createTensor(env, bytes.asLongBuffer(), shape)
      case ElementType.Int32 => OnnxTensor.createTensor(env, bytes.asIntBuffer(), shape)
      case ElementType.Int16 => OnnxTensor.createTensor(env, bytes.asShortBuffer(), shape)
      case other => OnnxTensor.createTensor(env, bytes, shape, InputEncoder.byteTensorType(other))
    }

  private def encodeStrings(
      env: OrtEnvironment,
      values: Array[Any],
      rows: Int,
      perRow: Int,
      shape: Array[Long]): OnnxTensor = {
    val strings = new Array[String](rows * perRow)
    var next = 0
    var r = 0
    while (r < rows) {
      layout match {
        case arrays: ArrayLayout => arrays.foreachLeafArray(values(r)) { array =>
            var i = 0
            while (i < array.numElements()) {
              if (array.isNullAt(i)) throw context.nullInArray
              strings(next) = array.getUTF8String(i).toString
              next += 1
              i += 1
            }
          }
        case _ =>
          strings(next) = values(r).toString
          next += 1
      }
      r += 1
    }
    OnnxTensor.createTensor(env, strings, shape)
  }

  /** The batch's tensor shape: the input's dims with the batch and dynamic dims filled in. */
  private def tensorShape(rows: Int, perRow: Int, first: Any): Array[Long] =
    if (staticRowSize == perRow) {
      val shape = new Array[Long](staticDims.length + 1)
      shape(0) = rows
      System.arraycopy(staticDims, 0, shape, 1, staticDims.length)
      shape
    } else dynamicShape(rows, perRow, first)

  // An input without dynamic dims (besides the batch) has the same shape every batch.
  private val staticDims: Array[Long] = spec.rowShape.toArray
  private val staticRowSize: Long =
    if (staticDims.forall(_ >= 0)) staticDims.product else -1L

  private def dynamicShape(rows: Int, perRow: Int, first: Any): Array[Long] = {
    val dims = spec.rowShape.toArray
    val dynamic = dims.indices.filter(dims(_) < 0)
    val staticProduct = dims.filter(_ >= 0).product
    if (dynamic.size == 1 && staticProduct > 0 && perRow % staticProduct == 0) {
      dims(dynamic.head) = perRow / staticProduct
    } else if (dynamic.nonEmpty && layout.depth == dims.length) {
      layout.nestedLengths(first).copyToArray(dims)
    }
    if (dims.exists(_ < 0) || dims.product != perRow) throw shapeError(perRow)
    rows.toLong +: dims
  }

  private def shapeError(actual: Long, expected: String = expectedPerRow) =
    context.shapeMismatch(expected, actual)

  private def expectedPerRow: String = spec.staticRowSize.map(_.toString).getOrElse(
    s"a count that fits ${spec.shapeString}")
}

private object InputEncoder {

  /** Element types whose tensors ORT builds from raw bytes. */
  def byteTensorType(element: ElementType): OnnxJavaType = element match {
    case ElementType.Int8 => OnnxJavaType.INT8
    case ElementType.UInt8 => OnnxJavaType.UINT8
    case ElementType.Bool => OnnxJavaType.BOOL
    case ElementType.Float16 => OnnxJavaType.FLOAT16
    case ElementType.BFloat16 => OnnxJavaType.BFLOAT16
    case other => throw new IllegalStateException(s"no tensor writer for $other")
  }
}
