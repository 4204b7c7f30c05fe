package sparkonnx.tensor

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.util.ArrayData
import org.apache.spark.sql.types._

/** Comparing decoded results: a row scored in a batch and alone must agree. */
private[tensor] object RowValues {

  /**
   * Whether `a` and `b`, two values of `dataType`, agree: exactly for integers, booleans and
   * strings; for floats within what batching alone changes (kernels pick other blockings and
   * summation orders for other batch sizes), far below what mixing rows does.
   */
  def agree(dataType: DataType, a: Any, b: Any): Boolean = (dataType, a, b) match {
    case (_, null, null) => true
    case (_, null, _) | (_, _, null) => false
    case (FloatType, x: Float, y: Float) => close(x.toDouble, y.toDouble)
    case (DoubleType, x: Double, y: Double) => close(x, y)
    case (ArrayType(element, _), x: ArrayData, y: ArrayData) =>
      x.numElements() == y.numElements() && (0 until x.numElements()).forall { i =>
        agree(element, x.get(i, element), y.get(i, element))
      }
    case (struct: StructType, x: InternalRow, y: InternalRow) =>
      struct.fields.indices.forall { i =>
        agree(
          struct.fields(i).dataType,
          x.get(i, struct.fields(i).dataType),
          y.get(i, struct.fields(i).dataType)
        )
      }
    case _ => a == b
  }

  private def close(x: Double, y: Double): Boolean =
    (x.isNaN && y.isNaN) || x == y || math.abs(x - y) <= 1e-4 + 1e-2 * math.abs(y)
}
