package sparkonnx.image

/**
 * Bilinear resizing the way PIL's `Image.resize(..., BILINEAR)` does it (and so torchvision's
 * `Resize` on PIL images): a triangle filter whose support widens with the scale when shrinking
 * (antialiasing), applied horizontally then vertically, in PIL's fixed-point arithmetic (weights
 * scaled by 2^22, rounded once per pass), so the pixels come out as PIL's do. Models are sensitive
 * to their reference preprocessing.
 *
 * Every output pixel depends only on its own weights, so [[resizeCrop]] computes just the window a
 * center crop keeps, and only the input rows that window reads.
 */
object Resampler {

  // PIL's precision for 8-bit images: 255 * 2^22 still fits an Int with room for rounding.
  private val PrecisionBits = 32 - 8 - 2
  private val Half = 1 << (PrecisionBits - 1)

  def resize(image: RgbImage, width: Int, height: Int): RgbImage =
    resizeCrop(image, width, height, 0, 0, width, height)

  /** The `cropWidth` x `cropHeight` window at (`left`, `top`) of the image resized. */
  def resizeCrop(
      image: RgbImage,
      width: Int,
      height: Int,
      left: Int,
      top: Int,
      cropWidth: Int,
      cropHeight: Int
  ): RgbImage = resizeCrop(
    image,
    SourceWindow.whole(image.width, image.height),
    width,
    height,
    left,
    top,
    cropWidth,
    cropHeight
  )

  /**
   * The input window that [[resizeCrop]] of a `fullWidth` x `fullHeight` image reads: the span of
   * the filter's taps over the crop, columns and rows.
   */
  def sourceWindow(
      fullWidth: Int,
      fullHeight: Int,
      width: Int,
      height: Int,
      left: Int,
      top: Int,
      cropWidth: Int,
      cropHeight: Int
  ): SourceWindow = {
    checkCrop(width, height, left, top, cropWidth, cropHeight)
    val (x, w) = span(fullWidth, width, left, cropWidth)
    val (y, h) = span(fullHeight, height, top, cropHeight)
    SourceWindow(x, y, w, h, fullWidth, fullHeight)
  }

  private def span(inSize: Int, outSize: Int, from: Int, count: Int): (Int, Int) =
    if (outSize == inSize) (from, count) else Weights(inSize, outSize, from, count).span

  /**
   * [[resizeCrop]] of an image of which `image` holds only `window` (see [[sourceWindow]]): the
   * weights are those of the whole image, read at the window's offset, so the result is the same.
   */
  def resizeCrop(
      image: RgbImage,
      window: SourceWindow,
      width: Int,
      height: Int,
      left: Int,
      top: Int,
      cropWidth: Int,
      cropHeight: Int
  ): RgbImage = {
    checkCrop(width, height, left, top, cropWidth, cropHeight)
    require(
      image.width == window.width && image.height == window.height,
      s"a ${image.width}x${image.height} image does not hold a ${window.width}x${window.height} " +
        "window"
    )
    val rows =
      if (height == window.fullHeight) None
      else Some(Weights(window.fullHeight, height, top, cropHeight))
    // The input rows the vertical pass reads; the horizontal pass produces only those.
    val (firstRow, rowCount) = rows.map(_.span).getOrElse((top, cropHeight))
    val localRow = firstRow - window.top
    val horizontal =
      if (width == window.fullWidth)
        cropColumns(image, left - window.left, cropWidth, localRow, rowCount)
      else {
        val columns = Weights(window.fullWidth, width, left, cropWidth).shifted(-window.left)
        horizontalPass(image, columns, localRow, rowCount)
      }
    rows.map(r => verticalPass(horizontal, r.shifted(-firstRow))).getOrElse(horizontal)
  }

  private def checkCrop(
      width: Int,
      height: Int,
      left: Int,
      top: Int,
      cropWidth: Int,
      cropHeight: Int
  ): Unit = require(
    left >= 0 && top >= 0 && left + cropWidth <= width && top + cropHeight <= height,
    s"crop ${cropWidth}x$cropHeight at ($left, $top) outside ${width}x$height"
  )

  /**
   * For `count` output indices from `from` of a resize from `inSize` to `outSize`: the first input
   * index each reads, how many, and their fixed-point weights (row-major, `maxTaps` each).
   */
  private final class Weights(
      val first: Array[Int],
      val taps: Array[Int],
      val maxTaps: Int,
      val values: Array[Int]
  ) {

    def span: (Int, Int) = {
      val start = first.min
      (start, first.indices.map(i => first(i) + taps(i)).max - start)
    }

    def shifted(by: Int): Weights = new Weights(first.map(_ + by), taps, maxTaps, values)
  }

  private object Weights {
    def apply(inSize: Int, outSize: Int, from: Int, count: Int): Weights = {
      val scale = inSize.toDouble / outSize
      val filterScale = math.max(scale, 1.0)
      val support = filterScale // the triangle filter reaches 1 unscaled
      val maxTaps = math.ceil(support).toInt * 2 + 1
      val first = new Array[Int](count)
      val taps = new Array[Int](count)
      val values = new Array[Int](count * maxTaps)
      val raw = new Array[Double](maxTaps)
      var i = 0
      while (i < count) {
        val center = (from + i + 0.5) * scale
        val min = math.max((center - support + 0.5).toInt, 0)
        val n = math.min((center + support + 0.5).toInt, inSize) - min
        var total = 0.0
        var k = 0
        while (k < n) {
          raw(k) = math.max(1.0 - math.abs((k + min - center + 0.5) / filterScale), 0.0)
          total += raw(k)
          k += 1
        }
        k = 0
        while (k < n) {
          val w = if (total != 0) raw(k) / total else raw(k)
          values(i * maxTaps + k) = (w * (1 << PrecisionBits) + (if (w < 0) -0.5 else 0.5)).toInt
          k += 1
        }
        first(i) = min
        taps(i) = n
        i += 1
      }
      new Weights(first, taps, maxTaps, values)
    }
  }

  private def clip8(sum: Int): Byte = {
    val v = sum >> PrecisionBits
    (if (v < 0) 0 else if (v > 255) 255 else v).toByte
  }

  /** Resizes rows `firstRow until firstRow + rowCount` horizontally to the weights' columns. */
  private def horizontalPass(
      image: RgbImage,
      w: Weights,
      firstRow: Int,
      rowCount: Int
  ): RgbImage = {
    val outWidth = w.first.length
    val in = image.pixels
    val out = new Array[Byte](outWidth * rowCount * 3)
    var y = 0
    while (y < rowCount) {
      val rowStart = (firstRow + y) * image.width * 3
      var x = 0
      while (x < outWidth) {
        var r = Half
        var g = Half
        var b = Half
        var p = rowStart + w.first(x) * 3
        var k = 0
        val base = x * w.maxTaps
        while (k < w.taps(x)) {
          val weight = w.values(base + k)
          r += (in(p) & 0xff) * weight
          g += (in(p + 1) & 0xff) * weight
          b += (in(p + 2) & 0xff) * weight
          p += 3
          k += 1
        }
        val o = (y * outWidth + x) * 3
        out(o) = clip8(r)
        out(o + 1) = clip8(g)
        out(o + 2) = clip8(b)
        x += 1
      }
      y += 1
    }
    new RgbImage(outWidth, rowCount, out, image.bgr)
  }

  /** Resizes vertically: each output row sums whole input rows, a loop the JIT vectorises. */
  private def verticalPass(image: RgbImage, w: Weights): RgbImage = {
    val outHeight = w.first.length
    val rowBytes = image.width * 3
    val in = image.pixels
    val out = new Array[Byte](rowBytes * outHeight)
    val sums = new Array[Int](rowBytes)
    var y = 0
    while (y < outHeight) {
      java.util.Arrays.fill(sums, Half)
      var k = 0
      while (k < w.taps(y)) {
        val weight = w.values(y * w.maxTaps + k)
        val from = (w.first(y) + k) * rowBytes
        var i = 0
        while (i < rowBytes) {
          sums(i) += (in(from + i) & 0xff) * weight
          i += 1
        }
        k += 1
      }
      val to = y * rowBytes
      var i = 0
      while (i < rowBytes) {
        out(to + i) = clip8(sums(i))
        i += 1
      }
      y += 1
    }
    new RgbImage(image.width, outHeight, out, image.bgr)
  }

  private def cropColumns(
      image: RgbImage,
      left: Int,
      width: Int,
      firstRow: Int,
      rowCount: Int
  ): RgbImage = {
    val out = new Array[Byte](width * rowCount * 3)
    var y = 0
    while (y < rowCount) {
      System.arraycopy(
        image.pixels,
        ((firstRow + y) * image.width + left) * 3,
        out,
        y * width * 3,
        width * 3
      )
      y += 1
    }
    new RgbImage(width, rowCount, out, image.bgr)
  }
}
