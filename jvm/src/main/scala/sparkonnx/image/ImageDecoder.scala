package sparkonnx.image

import java.awt.Rectangle
import java.awt.image.{BufferedImage, ComponentSampleModel, DataBuffer, DataBufferByte}
import java.io.ByteArrayInputStream
import javax.imageio.{ImageIO, ImageReader, ImageTypeSpecifier}
import javax.imageio.event.IIOReadWarningListener
import javax.imageio.stream.{ImageInputStream, MemoryCacheImageInputStream}

import scala.util.control.NonFatal

/**
 * Decodes encoded images (JPEG, PNG, BMP, GIF: what the JDK's ImageIO reads) and Spark `image`
 * structs into [[RgbImage]]. Grayscale becomes three equal channels; alpha is dropped (composited
 * on nothing, as PIL's `convert("RGB")` does). The size is read from the header first, so an image
 * above `maxPixels` is refused before any pixel is decoded, and so is one whose decode would need
 * more memory than the JVM's decode budget ([[DecodeBudget]]): its estimate (pixels x bands x bytes
 * per sample for the decoder's raster, plus the RGB copies) is reserved before decoding and held
 * while the caller uses the pixels, so concurrent decodes wait for each other instead of exhausting
 * the heap. Truncated images and CMYK/YCCK JPEGs are refused ([[BadImage]]).
 */
object ImageDecoder {

  final class BadImage(val reason: String) extends RuntimeException(reason)

  /** Bytes per pixel beyond the decoder's raster: an int per pixel (ARGB or gray samples), RGB. */
  private val ConversionBytesPerPixel = 4L + 3L

  /** Decodes `bytes`; the memory reservation ends when this returns. */
  def decode(bytes: Array[Byte], maxPixels: Long): RgbImage = decodeWith(bytes, maxPixels)(identity)

  /**
   * Decodes `bytes` and runs `use` on the pixels while the decode's memory reservation is still
   * held (preprocessing allocates further copies).
   */
  def decodeWith[T](bytes: Array[Byte], maxPixels: Long)(use: RgbImage => T): T =
    decodeWindow(bytes, maxPixels, SourceWindow.whole)((image, _) => use(image))

  /**
   * Decodes the part `wanted(width, height)` of the image that a preprocessing reads, and runs
   * `use` on it and that window. A complete baseline or progressive JPEG (one that ends with its
   * end-of-image marker) is decoded only down to the window's last row and copied only across its
   * columns: the JDK's decoder produces the same pixels there as for the whole image, at about
   * three quarters of the cost for a center crop. Other images, and a JPEG without its end marker
   * (possibly truncated: only a whole decode reaches the damage and reports it), are decoded whole.
   */
  def decodeWindow[T](bytes: Array[Byte], maxPixels: Long, wanted: (Int, Int) => SourceWindow)(
      use: (RgbImage, SourceWindow) => T
  ): T = {
    if (bytes == null || bytes.isEmpty) throw new BadImage("empty data")
    jpegComponents(bytes).filter(_ == 4).foreach { _ =>
      throw new BadImage(
        "CMYK/YCCK JPEG (4 color components) is not supported; convert it to RGB first"
      )
    }
    // Buffered in memory: ImageIO's default stream for an InputStream caches to a temp file.
    val stream = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))
    try {
      val readers = ImageIO.getImageReaders(stream)
      if (!readers.hasNext)
        throw new BadImage("not an image in a known format (JPEG, PNG, BMP, GIF)")
      val reader = readers.next()
      try {
        reader.setInput(stream, true, true)
        val (width, height) =
          try (reader.getWidth(0), reader.getHeight(0))
          catch { case NonFatal(e) => throw new BadImage(s"unreadable header: ${e.getMessage}") }
        checkSize(width, height, maxPixels)
        val pixels = width.toLong * height
        val rasterBytes = pixels * rasterBytesPerPixel(reader)
        if (rasterBytes > Int.MaxValue) {
          throw new BadImage(
            s"${width}x$height needs a ${rasterBytes}-byte raster, above what the decoder can hold"
          )
        }
        // The estimate is the whole image's, whatever part is decoded: a bound, not a guess.
        DecodeBudget.withReservation(
          rasterBytes + pixels * ConversionBytesPerPixel,
          width,
          height
        ) {
          val window =
            if (endsWithJpegEnd(bytes)) wanted(width, height) else SourceWindow.whole(width, height)
          use(read(reader, window), window)
        }
      } finally reader.dispose()
    } finally stream.close()
  }

  /** A JPEG whose last bytes are its end-of-image marker (EOI, FF D9). */
  private def endsWithJpegEnd(bytes: Array[Byte]): Boolean = {
    val n = bytes.length
    n >= 4 && (bytes(0) & 0xff) == 0xff && (bytes(1) & 0xff) == 0xd8 &&
    (bytes(n - 2) & 0xff) == 0xff && (bytes(n - 1) & 0xff) == 0xd9
  }

  private def read(reader: ImageReader, window: SourceWindow): RgbImage = {
    // The JDK's JPEG reader reports a truncated or corrupt stream as a warning and fills the
    // rest with gray; PIL refuses such a file, and so do we.
    var warning: Option[String] = None
    reader.addIIOReadWarningListener(new IIOReadWarningListener {
      override def warningOccurred(source: ImageReader, message: String): Unit =
        if (warning.isEmpty && isDamage(message)) warning = Some(message)
    })
    val param = reader.getDefaultReadParam
    if (!window.isWhole) {
      param.setSourceRegion(new Rectangle(window.left, window.top, window.width, window.height))
    }
    val decoded =
      try reader.read(0, param)
      catch { case NonFatal(e) => throw new BadImage(s"corrupt or truncated: ${e.getMessage}") }
    warning.foreach(w => throw new BadImage(s"corrupt or truncated: $w"))
    fromBufferedImage(decoded)
  }

  private def isDamage(message: String): Boolean = {
    val text = String.valueOf(message).toLowerCase
    Seq("truncat", "premature").exists(text.contains)
  }

  /**
   * Bytes per pixel of the raster the reader will decode into, from the header: data elements per
   * pixel (bands, or one packed element) x bytes per element (2 for 16-bit samples). 8 when the
   * reader cannot tell (16-bit RGBA, the most any of the formats takes).
   */
  private def rasterBytesPerPixel(reader: ImageReader): Long = {
    def of(spec: ImageTypeSpecifier): Long = {
      val model = spec.getSampleModel
      model.getNumDataElements.toLong * DataBuffer.getDataTypeSize(model.getDataType) / 8
    }
    val fromRaw =
      try Option(reader.getRawImageType(0)).map(of)
      catch { case NonFatal(_) => None }
    val fromTypes =
      try {
        val types = reader.getImageTypes(0)
        if (types != null && types.hasNext) Some(of(types.next())) else None
      } catch { case NonFatal(_) => None }
    (fromRaw ++ fromTypes).maxOption.filter(_ > 0).getOrElse(8L)
  }

  /**
   * The number of color components a JPEG's frame header (SOFn) declares, if `bytes` is a JPEG and
   * the header is found: 4 for CMYK and YCCK, which the JDK's reader decodes to wrong colors.
   */
  def jpegComponents(bytes: Array[Byte]): Option[Int] = {
    def u8(i: Int): Int = bytes(i) & 0xff
    if (bytes.length < 4 || u8(0) != 0xff || u8(1) != 0xd8) return None
    var i = 2
    while (i + 3 < bytes.length) {
      if (u8(i) != 0xff) return None
      val marker = u8(i + 1)
      if (marker == 0xff) i += 1 // fill byte
      else if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) i += 2 // no length
      else {
        val length = (u8(i + 2) << 8) | u8(i + 3)
        val isSof = marker >= 0xc0 && marker <= 0xcf &&
          marker != 0xc4 && marker != 0xc8 && marker != 0xcc
        if (isSof) return if (i + 9 < bytes.length) Some(u8(i + 9)) else None
        if (marker == 0xda || marker == 0xd9 || length < 2) return None
        i += 2 + length
      }
    }
    None
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
   * would convert every pixel through the color model, several times slower. A raster that is
   * exactly the image's BGR pixels (the usual case) is used as it is, in BGR order.
   */
  private def fromBgrBytes(image: BufferedImage): Option[RgbImage] = {
    val raster = image.getRaster
    (raster.getDataBuffer, raster.getSampleModel) match {
      case (data: DataBufferByte, model: ComponentSampleModel)
          if data.getNumBanks == 1 && raster.getParent == null &&
            model.getPixelStride == 3 && model.getBandOffsets.sameElements(Array(2, 1, 0)) &&
            data.getOffset == 0 && model.getScanlineStride == image.getWidth * 3 &&
            data.getData.length == image.getWidth * image.getHeight * 3 =>
        Some(new RgbImage(image.getWidth, image.getHeight, data.getData, bgr = true))
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
    // In longs: a struct may claim any size, and width x height x nChannels can overflow an int.
    val expected = width.toLong * height * channels
    if (expected > Int.MaxValue || width.toLong * height * 3 > Int.MaxValue) {
      throw new BadImage(s"${width}x${height}x$channels bytes is more than an image can hold")
    }
    if (data == null || data.length.toLong != expected) {
      throw new BadImage(
        s"data holds ${Option(data).map(_.length).getOrElse(0)} bytes, " +
          s"expected ${width}x${height}x$channels = $expected"
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

/**
 * The bytes this JVM's image decodes may hold at once (`spark.onnx.image.decodeBudget`, a quarter
 * of the maximum heap unless set). A decode reserves its estimate before any pixel is decoded and
 * waits while others hold the budget; one that could never fit is refused.
 */
object DecodeBudget {
  private var inUse = 0L

  lazy val budget: Long = sparkonnx.conf.OnnxConf.imageDecodeBudget

  def withReservation[T](bytes: Long, width: Int, height: Int)(body: => T): T = {
    val limit = budget
    if (bytes > limit) {
      throw new ImageDecoder.BadImage(
        s"${width}x$height needs about ${bytes >> 20} MiB to decode, above the JVM's image " +
          s"decode budget of ${limit >> 20} MiB (spark.onnx.image.decodeBudget)"
      )
    }
    acquire(bytes)
    try body
    finally release(bytes)
  }

  private def acquire(bytes: Long): Unit = synchronized {
    while (inUse > 0 && inUse + bytes > budget) wait() // interruptible: a killed task stops here
    inUse += bytes
  }

  private def release(bytes: Long): Unit = synchronized {
    inUse -= bytes
    notifyAll()
  }

  /** Bytes reserved now (tests). */
  def reserved: Long = synchronized(inUse)
}
