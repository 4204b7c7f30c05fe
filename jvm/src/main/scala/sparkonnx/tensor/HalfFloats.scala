package sparkonnx.tensor

/**
 * IEEE binary16 (`float16`) and bfloat16 conversions. Java 17 has no `Float.floatToFloat16` (it
 * came in Java 20), so rounding is done here: round to nearest, ties to even, straight from the
 * double's bits (going through float first would round twice and can be off by one ulp), with
 * overflow to infinity, subnormals, signed zeros and NaN (kept quiet) as the formats define.
 */
object HalfFloats {

  /** The float16 bits nearest to `value`. */
  def toFloat16(value: Double): Short = narrow(value, exponentBits = 5, mantissaBits = 10)

  /** The bfloat16 bits nearest to `value`. */
  def toBFloat16(value: Double): Short = narrow(value, exponentBits = 8, mantissaBits = 7)

  /** The float16 `bits` as a float: exact, every float16 is a float. */
  def fromFloat16(bits: Short): Float = {
    val sign = (bits & 0x8000) << 16
    val exponent = (bits >>> 10) & 0x1f
    val mantissa = bits & 0x3ff
    if (exponent == 0x1f) {
      java.lang.Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13))
    } else if (exponent == 0) {
      // Subnormal (or zero): mantissa * 2^-24, exact in float.
      val magnitude = mantissa * 5.9604645e-8f
      if (sign != 0) -magnitude else magnitude
    } else {
      java.lang.Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
  }

  /** The bfloat16 `bits` as a float: the top half of a float's bits. */
  def fromBFloat16(bits: Short): Float = java.lang.Float.intBitsToFloat((bits & 0xffff) << 16)

  /**
   * Rounds a double to a binary format with the given exponent and mantissa widths, returned as its
   * bit pattern (sign, exponent, mantissa).
   */
  private def narrow(value: Double, exponentBits: Int, mantissaBits: Int): Short = {
    val bits = java.lang.Double.doubleToRawLongBits(value)
    val sign = ((bits >>> 63) << (exponentBits + mantissaBits)).toInt
    val exponent = ((bits >>> 52) & 0x7ff).toInt
    val mantissa = bits & 0xfffffffffffffL
    val bias = (1 << (exponentBits - 1)) - 1
    val infinity = ((1 << exponentBits) - 1) << mantissaBits
    if (exponent == 0x7ff) {
      val payload =
        if (mantissa == 0) 0
        else
          (1 << (mantissaBits - 1)) | (mantissa >>> (52 - mantissaBits)).toInt
      return (sign | infinity | payload).toShort
    }
    // Double subnormals are far below the smallest subnormal of either format.
    if (exponent == 0) return sign.toShort
    val unbiased = exponent - 1023
    if (unbiased > bias) return (sign | infinity).toShort
    // Keep `mantissaBits` bits of a normal result; a subnormal keeps one fewer per binade
    // below the smallest normal (exponent 1 - bias), and its leading 1 becomes explicit.
    var kept = 0L
    var rest = 0L
    var shift = 52 - mantissaBits
    if (unbiased >= 1 - bias) {
      kept = ((unbiased + bias).toLong << mantissaBits) | (mantissa >>> shift)
      rest = mantissa & ((1L << shift) - 1)
    } else {
      shift += 1 - bias - unbiased
      if (shift > 62) return sign.toShort
      val significand = (1L << 52) | mantissa
      kept = significand >>> shift
      rest = significand & ((1L << shift) - 1)
    }
    val half = 1L << (shift - 1)
    val roundUp = rest > half || (rest == half && (kept & 1) == 1)
    // A carry out of the mantissa moves to the next binade, or to infinity: both correct.
    (sign | (kept + (if (roundUp) 1 else 0)).toInt).toShort
  }
}
