package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.sql.catalyst.expressions.SpecializedGetters
import org.apache.spark.sql.types._

import sparkonnx.model.ElementType

/**
 * Writes one element, read from a Spark container (an array or a row) at an ordinal, into a tensor
 * buffer as `element`. Chosen once per input at analysis time, so the per-element path is a single
 * virtual call with no type dispatch and no boxing.
 */
private[tensor] trait ElementWriter extends Serializable {
  def write(from: SpecializedGetters, ordinal: Int, to: ByteBuffer): Unit
}

private[tensor] object ElementWriter {

  /** Reads an integral element widened to a long; a plain trait, so the long is not boxed. */
  private trait IntegralReader extends Serializable {
    def read(from: SpecializedGetters, ordinal: Int): Long
  }

  def apply(leaf: DataType, element: ElementType, context: InputContext): ElementWriter =
    (leaf, element) match {
      case (FloatType, ElementType.Float) => (f, i, b) => b.putFloat(f.getFloat(i))
      case (DoubleType, ElementType.Float) => (f, i, b) => b.putFloat(f.getDouble(i).toFloat)
      case (_, ElementType.Float) =>
        val get = integral(leaf); (f, i, b) => b.putFloat(get.read(f, i).toFloat)
      case (DoubleType, ElementType.Double) => (f, i, b) => b.putDouble(f.getDouble(i))
      case (FloatType, ElementType.Double) => (f, i, b) => b.putDouble(f.getFloat(i).toDouble)
      case (_, ElementType.Double) =>
        val get = integral(leaf); (f, i, b) => b.putDouble(get.read(f, i).toDouble)
      case (FloatType, ElementType.Float16) =>
        (f, i, b) => b.putShort(HalfFloats.toFloat16(f.getFloat(i).toDouble))
      case (DoubleType, ElementType.Float16) =>
        (f, i, b) => b.putShort(HalfFloats.toFloat16(f.getDouble(i)))
      case (FloatType, ElementType.BFloat16) =>
        (f, i, b) => b.putShort(HalfFloats.toBFloat16(f.getFloat(i).toDouble))
      case (DoubleType, ElementType.BFloat16) =>
        (f, i, b) => b.putShort(HalfFloats.toBFloat16(f.getDouble(i)))
      case (_, ElementType.Int64) =>
        val get = integral(leaf); (f, i, b) => b.putLong(get.read(f, i))
      case (_, ElementType.Int32) =>
        val get = integral(leaf); (f, i, b) => b.putInt(get.read(f, i).toInt)
      case (_, ElementType.Int16) =>
        val get = integral(leaf); (f, i, b) => b.putShort(get.read(f, i).toShort)
      case (ByteType, ElementType.Int8) => (f, i, b) => b.put(f.getByte(i))
      case (_, ElementType.UInt8) =>
        // Spark has no unsigned bytes: signed columns feed uint8 when each value is 0..255.
        val get = integral(leaf)
        (f, i, b) => {
          val value = get.read(f, i)
          if (value < 0 || value > 255) throw context.outOfRange(value, "0..255")
          b.put(value.toByte)
        }
      case (BooleanType, ElementType.Bool) =>
        (f, i, b) => b.put(if (f.getBoolean(i)) 1.toByte else 0.toByte)
      case _ => throw new IllegalArgumentException(s"no conversion from $leaf to $element")
    }

  private def integral(leaf: DataType): IntegralReader = leaf match {
    case ByteType => (f, i) => f.getByte(i).toLong
    case ShortType => (f, i) => f.getShort(i).toLong
    case IntegerType => (f, i) => f.getInt(i).toLong
    case LongType => (f, i) => f.getLong(i)
    case other => throw new IllegalArgumentException(s"$other is not an integral type")
  }
}
