package sparkonnx.image

/**
 * Bilinear resizing the way PIL's `Image.resize(..., BILINEAR)` does it (and so torchvision's
 * `Resize` on PIL images): a triangle filter whose support widens with the scale when
 * shrinking (antialiasing), applied horizontally then vertically, rounding to 8 bits after
 * each pass. Matching the reference preprocessing matters more than speed here: models are
 * sensitive to it.
 */
object Resampler {

  def resize(image: RgbImage, width: Int, height: Int): RgbImage = {
    val horizontal =
      if (width == image.width) image
      else pass(image, width, image.height, horizontalPass = true)
    if (height == horizontal.height) horizontal
    else pass(horizontal, width, height, horizontalPass = false)
  }

  /** Per output index: first input index and normalised weights. */
  private final class Coefficients(val first: Array[Int], val weights: Array[Array[Double]])

  private def coefficients(inSize: Int, outSize: Int): Coefficients = {
    val scale = inSize.toDouble / outSize
    val filterScale = math.max(scale, 1.0)
    val support = filterScale // the bilinear (triangle) filter has support 1
    val first = new Array[Int](outSize)
    val weights = new Array[Array[Double]](outSize)
    var i = 0
    while (i < outSize) {
      val center = (i + 0.5) * scale
      val min = math.max((center - support + 0.5).toInt, 0)
      val max = math.min((center + support + 0.5).toInt, inSize)
      val w = Array.tabulate(max - min) { k =>
        val x = (k + min - center + 0.5) / filterScale
        math.max(1.0 - math.abs(x), 0.0)
      }
      val total = w.sum
      first(i) = min
      weights(i) = if (total > 0) w.map(_ / total) else w
      i += 1
    }
    new Coefficients(first, weights)
  }

  private def pass(image: RgbImage, width: Int, height: Int, horizontalPass: Boolean): RgbImage = {
    val c = coefficients(if (horizontalPass) image.width else image.height,
      if (horizontalPass) width else height)
    val out = new Array[Byte](width * height * 3)
    var y = 0
    while (y < height) {
      var x = 0
      while (x < width) {
        val o = if (horizontalPass) x else y
        val weights = c.weights(o)
        var channel = 0
        while (channel < 3) {
          var sum = 0.0
          var k = 0
          while (k < weights.length) {
            val v = if (horizontalPass) image.at(c.first(o) + k, y, channel)
              else image.at(x, c.first(o) + k, channel)
            sum += v * weights(k)
            k += 1
          }
          out((y * width + x) * 3 + channel) = math.min(math.max(math.round(sum), 0L), 255L).toByte
          channel += 1
        }
        x += 1
      }
      y += 1
    }
    new RgbImage(width, height, out)
  }
}
