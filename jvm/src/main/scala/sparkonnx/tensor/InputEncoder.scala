package sparkonnx.tensor

import java.nio.ByteBuffer

import ai.onnxruntime.{OnnxJavaType, OnnxTensor, OrtEnvironment}
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData
import org.apache.spark.sql.catalyst.util.{ArrayData, GenericArrayData}
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec}

/**
 * Turns the values of one column, a batch of rows at a time, into the tensor for one model
 * input. Rows are scalars or (nested) arrays; arrays are flattened row-major and reshaped into
 * the input's dims. Built at analysis time: a column that cannot feed the input fails there.
 */
final class InputEncoder(
    model: String,
    column: String,
    val spec: TensorSpec,
    columnType: DataType)
  extends Serializable {

  private val (leaf, depth) = TypeMapping.leafAndDepth(columnType)

  if (!TypeMapping.feeds(spec.elementType).contains(leaf) || spec.rank == 0 ||
      (depth == 0 && spec.staticRowSize.exists(_ != 1))) {
    throw OnnxErrors.inputTypeMismatch(model, spec, column, columnType.simpleString,
      TypeMapping.describeFeeds(spec.elementType))
  }

  private val isString = spec.elementType == ElementType.StringType
  private val writer = if (isString) null else ElementWriter(leaf, spec.elementType)
  private val mayHoldNulls = elementsMayBeNull(columnType)
  /** Same element layout in Spark and ONNX: innermost arrays are copied as one block. */
  private val bulkCopy = depth > 0 && TypeMapping.sameLayout(leaf, spec.elementType)
  private val elementSize = spec.elementType.byteSize

  /** Checks one row's value; None when it fits the input, else the error for that row. */
  def check(value: Any): Option[RuntimeException] =
    try {
      val count = elementsPerRow(value)
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
    val perRow = elementsPerRow(values(0))
    var r = 1
    while (r < rows) {
      val count = elementsPerRow(values(r))
      if (count != perRow) throw shapeError(count, perRow.toString)
      r += 1
    }
    val shape = tensorShape(rows, perRow, values(0))
    if (isString) encodeStrings(env, values, rows, perRow, shape)
    else encodeNumbers(env, values, rows, perRow, shape, buffer)
  }

  private def encodeNumbers(
      env: OrtEnvironment,
      values: Array[Any],
      rows: Int,
      perRow: Int,
      shape: Array[Long],
      direct: DirectBuffer): OnnxTensor = {
    val buffer = direct.reset(rows * perRow * elementSize)
    var r = 0
    if (depth == 0) {
      // Scalars: the batch's values are themselves the array the element writer reads.
      val column = new GenericArrayData(values)
      while (r < rows) { writer.write(column, r, buffer); r += 1 }
    } else {
      while (r < rows) {
        writeArray(values(r).asInstanceOf[ArrayData], depth, buffer, direct)
        r += 1
      }
    }
    buffer.rewind()
    spec.elementType match {
      case ElementType.Float => OnnxTensor.createTensor(env, buffer.asFloatBuffer(), shape)
      case ElementType.Double => OnnxTensor.createTensor(env, buffer.asDoubleBuffer(), shape)
      case ElementType.Int64 => OnnxTensor.createTensor(env, buffer.asLongBuffer(), shape)
      case ElementType.Int32 => OnnxTensor.createTensor(env, buffer.asIntBuffer(), shape)
      case ElementType.Int16 => OnnxTensor.createTensor(env, buffer.asShortBuffer(), shape)
      case ElementType.Int8 => OnnxTensor.createTensor(env, buffer, shape, OnnxJavaType.INT8)
      case ElementType.Bool => OnnxTensor.createTensor(env, buffer, shape, OnnxJavaType.BOOL)
      case other => throw new IllegalStateException(s"no tensor writer for $other")
    }
  }

  private def encodeStrings(
      env: OrtEnvironment,
      values: Array[Any],
      rows: Int,
      perRow: Int,
      shape: Array[Long]): OnnxTensor = {
    val strings = new Array[String](rows * perRow)
    var next = 0
    def collect(value: Any, level: Int): Unit = value match {
      case array: ArrayData =>
        var i = 0
        while (i < array.numElements()) {
          if (array.isNullAt(i)) throw OnnxErrors.nullInArray(model, spec, column)
          collect(if (level == 1) array.getUTF8String(i) else array.getArray(i), level - 1)
          i += 1
        }
      case text =>
        strings(next) = text.toString
        next += 1
    }
    var r = 0
    while (r < rows) { collect(values(r), depth); r += 1 }
    OnnxTensor.createTensor(env, strings, shape)
  }

  private def writeArray(
      array: ArrayData,
      level: Int,
      buffer: ByteBuffer,
      direct: DirectBuffer): Unit = {
    val n = array.numElements()
    var i = 0
    if (level == 1) {
      if (mayHoldNulls) {
        while (i < n) {
          if (array.isNullAt(i)) throw OnnxErrors.nullInArray(model, spec, column)
          i += 1
        }
        i = 0
      }
      array match {
        case unsafe: UnsafeArrayData if bulkCopy =>
          direct.copyFrom(unsafe.getBaseObject,
            unsafe.getBaseOffset + UnsafeArrayData.calculateHeaderPortionInBytes(n),
            n * elementSize)
        case _ =>
          while (i < n) { writer.write(array, i, buffer); i += 1 }
      }
    } else {
      while (i < n) {
        if (array.isNullAt(i)) throw OnnxErrors.nullInArray(model, spec, column)
        writeArray(array.getArray(i), level - 1, buffer, direct)
        i += 1
      }
    }
  }

  /** Leaf elements in one row's value. */
  private def elementsPerRow(value: Any): Int = value match {
    case array: ArrayData => countLeaves(array, depth)
    case _ => 1
  }

  private def countLeaves(array: ArrayData, level: Int): Int =
    if (level == 1) array.numElements()
    else {
      var total = 0
      var i = 0
      while (i < array.numElements()) {
        if (array.isNullAt(i)) throw OnnxErrors.nullInArray(model, spec, column)
        total += countLeaves(array.getArray(i), level - 1)
        i += 1
      }
      total
    }

  /** The batch's tensor shape: the input's dims with the batch and dynamic dims filled in. */
  private def tensorShape(rows: Int, perRow: Int, first: Any): Array[Long] = {
    val dims = spec.rowShape.toArray
    val dynamic = dims.indices.filter(dims(_) < 0)
    val staticProduct = dims.filter(_ >= 0).product
    if (dynamic.size == 1 && staticProduct > 0 && perRow % staticProduct == 0) {
      dims(dynamic.head) = perRow / staticProduct
    } else if (dynamic.nonEmpty && depth == dims.length) {
      nestedLengths(first).copyToArray(dims)
    }
    if (dims.exists(_ < 0) || dims.product != perRow) throw shapeError(perRow)
    rows.toLong +: dims
  }

  private def shapeError(actual: Long, expected: String = expectedPerRow) =
    OnnxErrors.inputShapeMismatch(model, spec, column, expected, actual)

  private def expectedPerRow: String = spec.staticRowSize.map(_.toString).getOrElse(
    s"a count that fits ${spec.shapeString}")

  private def nestedLengths(value: Any): Seq[Long] = value match {
    case array: ArrayData if array.numElements() > 0 && depth > 1 =>
      array.numElements().toLong +: nestedLengthsAt(array.getArray(0), depth - 1)
    case array: ArrayData => Seq(array.numElements().toLong)
    case _ => Seq.empty
  }

  private def nestedLengthsAt(array: ArrayData, level: Int): Seq[Long] =
    if (level == 1 || array.numElements() == 0) Seq(array.numElements().toLong)
    else array.numElements().toLong +: nestedLengthsAt(array.getArray(0), level - 1)

  private def elementsMayBeNull(dataType: DataType): Boolean = dataType match {
    case ArrayType(inner: ArrayType, _) => elementsMayBeNull(inner)
    case ArrayType(_, containsNull) => containsNull
    case _ => false
  }
}
