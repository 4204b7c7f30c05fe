package sparkonnx.image

import java.awt.image.{BufferedImage, ComponentSampleModel, DataBufferByte}
import java.io.ByteArrayInputStream
import javax.imageio.{ImageIO, ImageReader}
import javax.imageio.stream.{ImageInputStream, MemoryCacheImageInputStream}

import scala.util.control.NonFatal

/**
 * Decodes encoded images (JPEG, PNG, BMP, GIF: what the JDK's ImageIO reads) and Spark `image`
 * structs into [[RgbImage]]. Grayscale becomes three equal channels; alpha is dropped (composited
 * on nothing, as PIL's `convert("RGB")` does). The size is read from the header first, so an image
 * above `maxPixels` is refused before any pixel is decoded.
 */
object ImageDecoder {

  final class BadImage(val reason: String) extends RuntimeException(reason)

  def decode(bytes: Array[Byte], maxPixels: Long): RgbImage = {
    if (bytes == null || bytes.isEmpty) throw new BadImage("empty data")
    // Buffered in memory: ImageIO's default stream for an InputStream caches to a temp file.
    val stream = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))
    try {
      val readers = ImageIO.getImageReaders(stream)
      if (!readers.hasNext)
        throw new BadImage("not an image in a known format (JPEG, PNG, BMP, GIF)")
      val reader = readers.next()
      try read(reader, stream, maxPixels)
      finally reader.dispose()
    } finally stream.close()
  }

  private def read(reader: ImageReader, stream: ImageInputStream, maxPixels: Long): RgbImage = {
    reader.setInput(stream, true, true)
    val (width, height) =
      try (reader.getWidth(0), reader.getHeight(0))
      catch { case NonFatal(e) => throw new BadImage(s"unreadable header: ${e.getMessage}") }
    checkSize(width, height, maxPixels)
    val decoded =
      try reader.read(0)
      catch { case NonFatal(e) => throw new BadImage(s"corrupt or truncated: ${e.getMessage}") }
    fromBufferedImage(decoded)
  }

  def checkSize(width: Int, height: Int, maxPixels: Long): Unit = {
    if (width <= 0 || height <= 0) throw new BadImage(s"empty image (${width}x$height)")
    if (width.toLong * height > maxPixels) {
      throw new BadImage(
        s"${width}x$height is above the limit of $maxPixels pixels " +
          "(spark.onnx.image.maxPixels)"
      )
    }
  }

  private def fromBufferedImage(image: BufferedImage): RgbImage =
    if (image.getColorModel.getNumColorComponents == 1) fromGray(image)
    else
      Some(image)
        .filter(_.getType == BufferedImage.TYPE_3BYTE_BGR)
        .flatMap(fromBgrBytes)
        .getOrElse(fromArgb(image))

  private def fromArgb(image: BufferedImage): RgbImage = {
    val (width, height) = (image.getWidth, image.getHeight)
    val argb = image.getRGB(0, 0, width, height, null, 0, width)
    val pixels = new Array[Byte](width * height * 3)
    var i = 0
    while (i < argb.length) {
      val p = argb(i)
      pixels(i * 3) = (p >> 16).toByte
      pixels(i * 3 + 1) = (p >> 8).toByte
      pixels(i * 3 + 2) = p.toByte
      i += 1
    }
    new RgbImage(width, height, pixels)
  }

  /**
   * What the JPEG reader returns for color photos, read straight from its byte raster: `getRGB`
   * would convert every pixel through the color model, several times slower.
   */
  private def fromBgrBytes(image: BufferedImage): Option[RgbImage] = {
    val raster = image.getRaster
    (raster.getDataBuffer, raster.getSampleModel) match {
      case (data: DataBufferByte, model: ComponentSampleModel)
          if data.getNumBanks == 1 && raster.getParent == null &&
            model.getPixelStride == 3 && model.getBandOffsets.sameElements(Array(2, 1, 0)) =>
        val (width, height) = (image.getWidth, image.getHeight)
        val bgr = data.getData
        val pixels = new Array[Byte](width * height * 3)
        var y = 0
        while (y < height) {
          var from = data.getOffset + y * model.getScanlineStride
          var to = y * width * 3
          val end = to + width * 3
          while (to < end) {
            pixels(to) = bgr(from + 2)
            pixels(to + 1) = bgr(from + 1)
            pixels(to + 2) = bgr(from)
            from += 3
            to += 3
          }
          y += 1
        }
        Some(new RgbImage(width, height, pixels))
      case _ => None
    }
  }

  /**
   * Gray samples as they are: `getRGB` would pass them through Java's linear gray color space and
   * brighten them, unlike PIL and every other decoder.
   */
  private def fromGray(image: BufferedImage): RgbImage = {
    val (width, height) = (image.getWidth, image.getHeight)
    val raster = image.getRaster
    val shift = math.max(raster.getSampleModel.getSampleSize(0) - 8, 0)
    val samples = raster.getSamples(0, 0, width, height, 0, null: Array[Int])
    val pixels = new Array[Byte](width * height * 3)
    var i = 0
    while (i < samples.length) {
      val v = (samples(i) >> shift).toByte
      pixels(i * 3) = v; pixels(i * 3 + 1) = v; pixels(i * 3 + 2) = v
      i += 1
    }
    new RgbImage(width, height, pixels)
  }

  /**
   * Spark's `image` data source struct: `data` is BGR(A) or grayscale bytes, row-major, with
   * `nChannels` of 1, 3 or 4.
   */
  def fromSparkImage(
      width: Int,
      height: Int,
      channels: Int,
      data: Array[Byte],
      maxPixels: Long
  ): RgbImage = {
    checkSize(width, height, maxPixels)
    if (!Seq(1, 3, 4).contains(channels)) throw new BadImage(s"unsupported nChannels $channels")
    if (data == null || data.length != width * height * channels) {
      throw new BadImage(
        s"data holds ${Option(data).map(_.length).getOrElse(0)} bytes, " +
          s"expected ${width}x${height}x$channels"
      )
    }
    val pixels = new Array[Byte](width * height * 3)
    var i = 0
    while (i < width * height) {
      val from = i * channels
      if (channels == 1) {
        pixels(i * 3) = data(from); pixels(i * 3 + 1) = data(from); pixels(i * 3 + 2) = data(from)
      } else { // BGR(A) -> RGB
        pixels(i * 3) = data(from + 2); pixels(i * 3 + 1) = data(from + 1);
        pixels(i * 3 + 2) = data(from)
      }
      i += 1
    }
    new RgbImage(width, height, pixels)
  }
}
