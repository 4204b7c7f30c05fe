package sparkonnx.tensor

import java.nio.ByteBuffer

import ai.onnxruntime.{OnnxJavaType, OnnxTensor, OrtEnvironment}
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec}

/**
 * Turns the values of one column into the tensor for one model input, row by row as rows arrive. A
 * value is a scalar, (nested) arrays, a byte string or an ML vector (see [[RowLayout]]); its dims
 * must fill the feed's `valueDims` (docs/tensors.md): nested arrays rectangular and matching, or a
 * flat array reshaped to static dims. Built at analysis time: a column that cannot feed the input
 * fails there.
 */
final class InputEncoder(
    model: String,
    column: String,
    val spec: TensorSpec,
    columnType: DataType,
    val feed: InputFeed,
    constant: Boolean = false
) extends Serializable {

  private val context = InputContext(model, column, spec)

  // Maps, sequences, and element types no Spark column converts to (uint16, complex...).
  if (!spec.isTensor || TypeMapping.describeFeeds(spec.elementType).isEmpty) {
    throw OnnxErrors.unsupportedTensorType(model, "input", spec)
  }

  private val valueDims: Array[Long] = feed.valueDims.toArray

  private val layout: RowLayout = RowLayout
    .choose(context, columnType)
    .filter(fits)
    .getOrElse(
      throw OnnxErrors.inputTypeMismatch(
        model,
        spec,
        column,
        columnType.simpleString,
        TypeMapping.describeFeeds(spec.elementType)
      )
    )

  /** Whether values of `layout` can fill the value dims at all (deeper arrays cannot). */
  private def fits(layout: RowLayout): Boolean =
    !spec.shapeKnown || (if (layout.depth == 0 && !layout.isInstanceOf[ScalarLayout]) {
                           valueDims.nonEmpty
                         } else if (layout.depth == 0) {
                           valueDims.forall(d => d == 1 || d < 0)
                         } else valueDims.nonEmpty)

  val isString: Boolean = spec.elementType == ElementType.StringType
  private val elementSize = spec.elementType.byteSize

  /** What one value must be, for errors: `64 elements per row`, `an array of shape [4,5]...`. */
  private val expected: String = {
    val what =
      if (!spec.shapeKnown) "a value of any shape"
      else if (valueDims.isEmpty) "a scalar"
      else if (valueDims.forall(_ >= 0) && layout.depth <= 1) s"${valueDims.product} elements"
      else
        s"an array of shape ${valueDims
            .map(d => if (d < 0) "?" else d.toString)
            .mkString("[", ",", "]")}"
    if (constant) s"$what (one constant for the whole run)"
    else
      feed match {
        case InputFeed.PerRow(_, _) => s"$what per row"
        case InputFeed.Whole(_) => s"$what per row (its full tensor)"
      }
  }

  /** The full dims of one row's value (no batch axis), or that row's error. */
  def shapeOf(value: Any): Array[Long] = {
    val dims =
      try layout.dims(value)
      catch {
        case r: RaggedArray =>
          throw context.shapeMismatch(
            expected,
            s"a ragged array (arrays of different lengths at nesting level ${r.level + 1})"
          )
      }
    if (!spec.shapeKnown) dims
    else
      ValueShape
        .fit(
          dims,
          valueDims,
          layout.depth == 0 &&
            layout.isInstanceOf[ScalarLayout]
        )
        .getOrElse(throw context.shapeMismatch(expected, ValueShape.describe(dims, layout.depth)))
  }

  /** Elements in a value of `shape`; too large a value is that row's error. */
  def elements(shape: Array[Long]): Int = {
    val count = shape.product
    val bytes = count * math.max(elementSize, 1)
    if (count < 0 || bytes > InputEncoder.MaxValueBytes) {
      throw context.shapeMismatch(
        expected,
        s"${count} elements (over the " +
          s"${InputEncoder.MaxValueBytes >> 20} MiB a single value may take)"
      )
    }
    count.toInt
  }

  /** Appends `value`, of dims `shape` ([[shapeOf]]), after the rows already in `batch`. */
  def append(value: Any, shape: Array[Long], batch: InputBatch): Unit = {
    if (batch.rows == 0) batch.start(shape, elements(shape))
    if (isString) appendStrings(value, batch)
    else {
      val bytes = batch.elementsPerRow * elementSize
      checkRunBytes(batch, batch.rows + 1)
      val buffer = batch.buffer.extend(batch.rows * bytes, bytes)
      layout.writeRow(value, buffer, batch.buffer)
    }
    batch.rows += 1
  }

  /**
   * Refuses a run of `rows` rows like the batch's whose tensor would pass the bytes one direct
   * buffer can hold: the byte cap splits batches, but a fixed batch size of huge rows cannot split.
   */
  private def checkRunBytes(batch: InputBatch, rows: Int): Unit = {
    val total = rows.toLong * batch.elementsPerRow * math.max(elementSize, 1)
    if (total > InputEncoder.MaxRunBytes) {
      throw context.shapeMismatch(
        expected,
        s"$rows rows of ${ValueShape.describe(batch.shape, layout.depth)} in one run " +
          s"($total bytes, over the ${InputEncoder.MaxRunBytes >> 20} MiB one run's input may " +
          "take; a model with a fixed batch size cannot split it)"
      )
    }
  }

  /** Bytes one more row like the batch's rows would add (0 for strings). */
  def rowBytes(batch: InputBatch): Long = batch.elementsPerRow.toLong * math.max(elementSize, 0)

  private def appendStrings(value: Any, batch: InputBatch): Unit = layout match {
    case arrays: ArrayLayout =>
      arrays.foreachLeafArray(value) { array =>
        var i = 0
        while (i < array.numElements()) {
          if (array.isNullAt(i)) throw context.nullInArray
          batch.addString(array.getUTF8String(i).toString)
          i += 1
        }
      }
    case _ => batch.addString(value.toString)
  }

  /**
   * The tensor over the `batch.rows` rows appended, padded with copies of the last row up to
   * `runRows` (a fixed batch size). Per-row feeds stack the rows along their batch axis; a whole
   * feed is the one value itself. `batch` must stay untouched until the tensor is closed.
   */
  def tensor(env: OrtEnvironment, batch: InputBatch, runRows: Int): OnnxTensor = {
    if (!isString) checkRunBytes(batch, runRows)
    batch.padTo(runRows, elementSize)
    feed match {
      case InputFeed.PerRow(axis, _) =>
        val shape = batch.shape.patch(axis, Seq(runRows.toLong), 0)
        val outer = batch.shape.take(axis).product.toInt
        if (isString) {
          OnnxTensor.createTensor(env, batch.stringsAlong(outer, runRows), shape)
        } else {
          tensorOver(env, batch.bytesAlong(outer, runRows, elementSize), shape)
        }
      case InputFeed.Whole(_) =>
        if (isString) OnnxTensor.createTensor(env, batch.stringsAlong(1, 1), batch.shape)
        else tensorOver(env, batch.bytesAlong(1, 1, elementSize), batch.shape)
    }
  }

  /** A tensor of row `row` of `batch` alone: a run of one row, for checking a batched run. */
  def rowTensor(env: OrtEnvironment, batch: InputBatch, row: Int): OnnxTensor = {
    val axis = feed match {
      case InputFeed.PerRow(a, _) => a
      case InputFeed.Whole(_) => -1
    }
    val shape = if (axis < 0) batch.shape else batch.shape.patch(axis, Seq(1L), 0)
    if (isString) OnnxTensor.createTensor(env, batch.rowStrings(row), shape)
    else tensorOver(env, batch.rowBytes(row, elementSize), shape)
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
}

private object InputEncoder {

  /** One value's tensor bytes; direct buffers are indexed by int, so well below 2 GiB. */
  val MaxValueBytes: Long = 1L << 30

  /** One run's bytes for one input: direct buffers are indexed by int. */
  val MaxRunBytes: Long = Int.MaxValue - 8L

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
