package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.sql.catalyst.expressions.SpecializedGetters
import org.apache.spark.sql.types._

import sparkonnx.model.ElementType

/**
 * Writes one element, read from a Spark container (an array or a row) at an ordinal, into a
 * tensor buffer as `element`. Chosen once per input at analysis time, so the per-element
 * path is a single virtual call with no type dispatch.
 */
private[tensor] trait ElementWriter extends Serializable {
  def write(from: SpecializedGetters, ordinal: Int, to: ByteBuffer): Unit
}

private[tensor] object ElementWriter {

  def apply(leaf: DataType, element: ElementType): ElementWriter = (leaf, element) match {
    case (FloatType, ElementType.Float) => (f, i, b) => b.putFloat(f.getFloat(i))
    case (DoubleType, ElementType.Float) => (f, i, b) => b.putFloat(f.getDouble(i).toFloat)
    case (_, ElementType.Float) => val get = integral(leaf); (f, i, b) => b.putFloat(get(f, i).toFloat)
    case (DoubleType, ElementType.Double) => (f, i, b) => b.putDouble(f.getDouble(i))
    case (FloatType, ElementType.Double) => (f, i, b) => b.putDouble(f.getFloat(i).toDouble)
    case (_, ElementType.Double) => val get = integral(leaf); (f, i, b) => b.putDouble(get(f, i).toDouble)
    case (_, ElementType.Int64) => val get = integral(leaf); (f, i, b) => b.putLong(get(f, i))
    case (_, ElementType.Int32) =>
      val get = integral(leaf); (f, i, b) => b.putInt(get(f, i).toInt)
    case (_, ElementType.Int16) =>
      val get = integral(leaf); (f, i, b) => b.putShort(get(f, i).toShort)
    case (ByteType, ElementType.Int8) => (f, i, b) => b.put(f.getByte(i))
    case (BooleanType, ElementType.Bool) => (f, i, b) => b.put(if (f.getBoolean(i)) 1.toByte else 0.toByte)
    case _ => throw new IllegalArgumentException(s"no conversion from $leaf to $element")
  }

  private def integral(leaf: DataType): (SpecializedGetters, Int) => Long = leaf match {
    case ByteType => (f, i) => f.getByte(i).toLong
    case ShortType => (f, i) => f.getShort(i).toLong
    case IntegerType => (f, i) => f.getInt(i).toLong
    case LongType => (f, i) => f.getLong(i)
    case other => throw new IllegalArgumentException(s"$other is not an integral type")
  }
}
