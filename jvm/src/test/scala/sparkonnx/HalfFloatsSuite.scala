package sparkonnx

import ai.onnxruntime.platform.Fp16Conversions
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.tensor.HalfFloats

/** Our float16/bfloat16 rounding against ORT's own Java conversions and hand-made edge cases. */
class HalfFloatsSuite extends AnyFunSuite {

  private def bits(value: Short): Int = value & 0xffff

  private def sameFloat(a: Float, b: Float): Boolean =
    java.lang.Float.floatToIntBits(a) == java.lang.Float.floatToIntBits(b)

  test("every float16 and bfloat16 widens as ORT widens it, and narrows back to itself") {
    for (pattern <- 0 until 65536) {
      val half = pattern.toShort
      val float16 = HalfFloats.fromFloat16(half)
      val bfloat16 = HalfFloats.fromBFloat16(half)
      assert(sameFloat(float16, Fp16Conversions.fp16ToFloat(half)), f"float16 $pattern%04x")
      assert(sameFloat(bfloat16, Fp16Conversions.bf16ToFloat(half)), f"bfloat16 $pattern%04x")
      if (!float16.isNaN) assert(bits(HalfFloats.toFloat16(float16.toDouble)) === pattern)
      if (!bfloat16.isNaN) assert(bits(HalfFloats.toBFloat16(bfloat16.toDouble)) === pattern)
    }
  }

  test("random floats round as ORT's Java conversions round them (nearest, ties to even)") {
    val random = new scala.util.Random(11)
    for (_ <- 0 until 500000) {
      val value = java.lang.Float.intBitsToFloat(random.nextInt())
      if (!value.isNaN) {
        assert(
          bits(HalfFloats.toFloat16(value.toDouble)) ===
            bits(Fp16Conversions.floatToFp16(value)),
          s"float16 of $value"
        )
        assert(
          bits(HalfFloats.toBFloat16(value.toDouble)) ===
            bits(Fp16Conversions.floatToBf16(value)),
          s"bfloat16 of $value"
        )
      }
    }
  }

  private val two = (e: Int) => math.pow(2, e)

  private val float16Cases = Seq(
    ("zero", 0.0, 0x0000),
    ("negative zero", -0.0, 0x8000),
    ("one", 1.0, 0x3c00),
    ("largest finite", 65504.0, 0x7bff),
    ("just below the overflow threshold", 65519.99, 0x7bff),
    ("overflow threshold rounds to infinity", 65520.0, 0x7c00),
    ("large negative", -1e6, 0xfc00),
    ("infinity", Double.PositiveInfinity, 0x7c00),
    ("negative infinity", Double.NegativeInfinity, 0xfc00),
    ("smallest subnormal", two(-24), 0x0001),
    ("half the smallest subnormal ties to zero", two(-25), 0x0000),
    ("just above that rounds up", two(-25) + two(-40), 0x0001),
    ("largest subnormal", two(-14) - two(-24), 0x03ff),
    ("smallest normal", two(-14), 0x0400),
    ("tie rounds down to even", 1 + two(-11), 0x3c00),
    ("tie rounds up to even", 1 + 3 * two(-11), 0x3c02),
    // Through float this is 1 + 2^-11, a tie, and would round down: one rounding is exact.
    ("double rounding avoided", 1 + two(-11) + two(-40), 0x3c01),
    ("far below the subnormals", 1e-300, 0x0000),
    ("quiet NaN", Double.NaN, 0x7e00)
  )

  float16Cases.foreach { case (title, value, expected) =>
    test(f"float16: $title") {
      assert(bits(HalfFloats.toFloat16(value)) === expected)
    }
  }

  private val bfloat16Cases = Seq(
    ("one", 1.0, 0x3f80),
    ("tie rounds down to even", 1 + two(-8), 0x3f80),
    ("tie rounds up to even", 1 + 3 * two(-8), 0x3f82),
    ("double rounding avoided", 1 + two(-8) + two(-40), 0x3f81),
    ("beyond float's range", 1e39, 0x7f80),
    ("smallest subnormal", two(-133), 0x0001),
    ("negative zero", -0.0, 0x8000),
    ("quiet NaN", Double.NaN, 0x7fc0)
  )

  bfloat16Cases.foreach { case (title, value, expected) =>
    test(f"bfloat16: $title") {
      assert(bits(HalfFloats.toBFloat16(value)) === expected)
    }
  }
}
