package sparkonnx.image

/**
 * How a model wants its images: resize the shorter side to `resizeShorter` (0: no resize),
 * center-crop `cropWidth` x `cropHeight`, scale 0..255 by `scale`, subtract `mean` and divide by
 * `std` per channel, in `channelOrder` and `layout`. The presets record published models' reference
 * preprocessing (torchvision's ImageNet transform for MobileNetV2).
 */
final case class ImagePreprocessing(
    resizeShorter: Int,
    cropWidth: Int,
    cropHeight: Int,
    scale: Float,
    mean: Seq[Float],
    std: Seq[Float],
    channelOrder: String,
    layout: String
) {
  require(cropWidth > 0 && cropHeight > 0, "crop size must be positive")
  require(mean.size == 3 && std.size == 3 && std.forall(_ != 0f), "mean and std need 3 values")
  require(Set("RGB", "BGR").contains(channelOrder), s"channel order $channelOrder: RGB or BGR")
  require(Set("NCHW", "NHWC").contains(layout), s"layout $layout: NCHW or NHWC")

  /** Elements of one preprocessed image. */
  def size: Int = 3 * cropWidth * cropHeight

  /** The image as the model's input: `size` floats in `layout` order (without batch dim). */
  def apply(image: RgbImage): Array[Float] =
    apply(image, SourceWindow.whole(image.width, image.height))

  /**
   * The part of a `width` x `height` image this preprocessing reads ([[Resampler.sourceWindow]]):
   * the decoder may decode only it.
   */
  def window(width: Int, height: Int): SourceWindow = {
    val g = geometry(width, height)
    Resampler.sourceWindow(width, height, g.width, g.height, g.left, g.top, cropWidth, cropHeight)
  }

  /** [[apply]] on an image of which `image` holds only `window` ([[window]] or larger). */
  def apply(image: RgbImage, window: SourceWindow): Array[Float] = {
    val g = geometry(window.fullWidth, window.fullHeight)
    val cropped =
      Resampler.resizeCrop(image, window, g.width, g.height, g.left, g.top, cropWidth, cropHeight)
    val pixels = cropped.pixels
    val out = new Array[Float](size)
    val plane = cropWidth * cropHeight
    val nchw = layout == "NCHW"
    // The pixels may be BGR (the JPEG decoder's raster): pick each output channel's source.
    val swap = (channelOrder == "RGB") == cropped.bgr
    var c = 0
    while (c < 3) {
      val table = normalised(c)
      val source = if (swap) 2 - c else c
      var p = 0
      while (p < plane) {
        out(if (nchw) c * plane + p else p * 3 + c) = table(pixels(p * 3 + source) & 0xff)
        p += 1
      }
      c += 1
    }
    out
  }

  private final case class Geometry(width: Int, height: Int, left: Int, top: Int)

  /**
   * torchvision: the shorter side becomes `resizeShorter`, the longer one truncates; then the
   * center crop's offsets.
   */
  private def geometry(w: Int, h: Int): Geometry = {
    val (width, height) =
      if (resizeShorter <= 0) (w, h)
      else if (w <= h) (resizeShorter, (resizeShorter.toLong * h / w).toInt)
      else ((resizeShorter.toLong * w / h).toInt, resizeShorter)
    if (width < cropWidth || height < cropHeight) {
      throw new ImageDecoder.BadImage(
        s"${width}x$height is smaller than " +
          s"the ${cropWidth}x$cropHeight crop"
      )
    }
    val left = math.round((width - cropWidth) / 2.0).toInt
    val top = math.round((height - cropHeight) / 2.0).toInt
    Geometry(width, height, left, top)
  }

  // Per output channel, the value of each of the 256 pixel levels: (v * scale - mean) / std.
  @transient private lazy val normalised: Array[Array[Float]] = Array.tabulate(3) { c =>
    Array.tabulate(256)(v => (v * scale - mean(c)) / std(c))
  }
}

object ImagePreprocessing {

  /** torchvision's ImageNet evaluation transform: Resize(256), CenterCrop(224), Normalize. */
  val ImageNet: ImagePreprocessing = ImagePreprocessing(
    256,
    224,
    224,
    1f / 255f,
    Seq(0.485f, 0.456f, 0.406f),
    Seq(0.229f, 0.224f, 0.225f),
    "RGB",
    "NCHW"
  )

  /** TensorFlow's EfficientNet-Lite: (x - 127) / 128 on 0..255 pixels, after the same crop. */
  val EfficientNetLite: ImagePreprocessing =
    ImageNet.copy(mean = Seq.fill(3)(127f / 255f), std = Seq.fill(3)(128f / 255f))

  val Presets: Map[String, ImagePreprocessing] = Map(
    "imagenet" -> ImageNet,
    "mobilenet_v2" -> ImageNet,
    "efficientnet_lite0" -> EfficientNetLite
  )

  /** Where a model records the preprocessing it expects (the zoo's models do). */
  val MetadataKey = "spark_onnx.preprocessing"

  /**
   * The options equivalent of a model's recorded preprocessing (a JSON object with
   * resize_shorter_side, center_crop, scale, mean, std, channel_order, layout).
   */
  def optionsFromMetadata(json: String): Map[String, String] = {
    import org.json4s._
    import org.json4s.jackson.JsonMethods.parse
    implicit val formats: Formats = DefaultFormats
    val card = parse(json)
    def number(key: String): Option[String] = (card \ key) match {
      case JInt(v) => Some(v.toString)
      case JDouble(v) => Some(v.toString)
      case _ => None
    }
    def numbers(key: String): Option[String] = (card \ key) match {
      case JArray(values) =>
        Some(
          values
            .map {
              case JDouble(v) => v.toString
              case JInt(v) => v.toString
              case other => other.extract[String]
            }
            .mkString(",")
        )
      case _ => None
    }
    def text(key: String): Option[String] = (card \ key).extractOpt[String]
    Seq(
      "resize" -> number("resize_shorter_side"),
      "size" -> number("center_crop"),
      "scale" -> number("scale"),
      "mean" -> numbers("mean"),
      "std" -> numbers("std"),
      "channels" -> text("channel_order"),
      "layout" -> text("layout")
    ).collect { case (k, Some(v)) => k -> v }.toMap
  }

  /**
   * A preset, optionally overridden by options: resize, size (or width/height), scale, mean, std
   * (comma-separated), channels (RGB|BGR), layout (NCHW|NHWC).
   */
  def fromOptions(options: Map[String, String]): ImagePreprocessing = {
    val base = options
      .get("preset")
      .map(p =>
        Presets.getOrElse(
          p.toLowerCase,
          throw new IllegalArgumentException(
            s"unknown preset '$p'; presets: " +
              Presets.keys.toSeq.sorted.mkString(", ")
          )
        )
      )
      .getOrElse(ImageNet)
    def floats(key: String, default: Seq[Float]) =
      options.get(key).map(_.split(",").map(_.trim.toFloat).toSeq).getOrElse(default)
    val size = options.get("size").map(_.trim.toInt)
    ImagePreprocessing(
      options.get("resize").map(_.trim.toInt).getOrElse(base.resizeShorter),
      options.get("width").map(_.trim.toInt).orElse(size).getOrElse(base.cropWidth),
      options.get("height").map(_.trim.toInt).orElse(size).getOrElse(base.cropHeight),
      options.get("scale").map(_.trim.toFloat).getOrElse(base.scale),
      floats("mean", base.mean),
      floats("std", base.std),
      options.get("channels").map(_.trim.toUpperCase).getOrElse(base.channelOrder),
      options.get("layout").map(_.trim.toUpperCase).getOrElse(base.layout)
    )
  }
}
