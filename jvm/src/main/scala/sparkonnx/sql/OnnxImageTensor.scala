package sparkonnx.sql

import scala.util.control.NonFatal

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult
import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionDescription, UnsafeArrayData}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.toPrettySQL
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.image.{ImageDecoder, ImagePreprocessing, RgbImage}

/**
 * An image (encoded bytes, or Spark's `image` struct) as a model input: decoded, resized,
 * cropped and normalised in the JVM into a flat `array<float>` that `onnx_predict` reshapes into
 * the model's `[N,3,H,W]` (or NHWC) input.
 */
trait ImageTensor extends Expression with CodegenFallback {
  def image: Expression
  def options: Expression
  def failOnError: Boolean

  override def children: Seq[Expression] = Seq(image, options)
  override def dataType: DataType = ArrayType(FloatType, containsNull = false)
  override def nullable: Boolean = true

  /** Refuses images above this many pixels before decoding them (decompression bombs). */
  val maxPixels: Long =
    SQLConf.get.getConfString(ImageTensor.MaxPixels, ImageTensor.DefaultMaxPixels.toString).toLong

  @transient private lazy val preprocessing: ImagePreprocessing = options.eval() match {
    case text: org.apache.spark.unsafe.types.UTF8String =>
      ImagePreprocessing.fromOptions(Map("preset" -> text.toString))
    case _: org.apache.spark.sql.catalyst.util.MapData =>
      ImagePreprocessing.fromOptions(CallOptions.literal(options))
    case other => throw new IllegalArgumentException(s"options must be a preset name or a " +
      s"map<string,string>, not $other")
  }

  override def checkInputDataTypes(): TypeCheckResult = {
    val imageOk = image.dataType match {
      case BinaryType => true
      case struct: StructType => ImageTensor.StructFields.forall(struct.fieldNames.contains)
      case _ => false
    }
    if (!imageOk) {
      TypeCheckResult.TypeCheckFailure(s"$prettyName takes encoded image bytes (binary) or an " +
        s"image struct (${ImageTensor.StructFields.mkString(", ")}), not ${image.dataType.sql}")
    } else if (!options.foldable) {
      TypeCheckResult.TypeCheckFailure(s"$prettyName options must be a constant preset name " +
        "or map<string,string>")
    } else {
      try { preprocessing; TypeCheckResult.TypeCheckSuccess }
      catch { case NonFatal(e) => TypeCheckResult.TypeCheckFailure(
        s"$prettyName options: ${e.getMessage}") }
    }
  }

  override def eval(input: InternalRow): Any = {
    val value = image.eval(input)
    if (value == null) return null
    val origin = image.dataType match {
      case struct: StructType =>
        val row = value.asInstanceOf[InternalRow]
        val index = struct.fieldIndex("origin")
        if (row.isNullAt(index)) "(no origin)" else row.getUTF8String(index).toString
      case _ => "(binary value)"
    }
    try UnsafeArrayData.fromPrimitiveArray(preprocessing(decode(value)))
    catch {
      case e: ImageDecoder.BadImage =>
        if (failOnError) throw OnnxErrors.invalidImage(origin, toPrettySQL(image), e.reason)
        else null
    }
  }

  private def decode(value: Any): RgbImage = image.dataType match {
    case BinaryType => ImageDecoder.decode(value.asInstanceOf[Array[Byte]], maxPixels)
    case struct: StructType =>
      val row = value.asInstanceOf[InternalRow]
      def field(name: String) = struct.fieldIndex(name)
      ImageDecoder.fromSparkImage(row.getInt(field("width")), row.getInt(field("height")),
        row.getInt(field("nChannels")), row.getBinary(field("data")), maxPixels)
    case other => throw new IllegalStateException(s"unexpected image type $other")
  }
}

object ImageTensor {
  val MaxPixels = "spark.onnx.image.maxPixels"
  val DefaultMaxPixels: Long = 50000000L
  val StructFields: Seq[String] = Seq("origin", "height", "width", "nChannels", "data")
}

@ExpressionDescription(
  usage = """
    _FUNC_(image[, preset_or_options]) - Turns an image into a model input: decodes it (JPEG,
      PNG, BMP, GIF bytes, or Spark's `image` struct; grayscale and alpha handled), resizes its
      shorter side (bilinear, as PIL), center-crops, scales and normalises it, and returns a
      flat array<float> in NCHW (or NHWC) order for `onnx_predict`. A bad image fails the
      query, naming its origin; a null image gives null.
  """,
  arguments = """
    Arguments:
      * image - binary (encoded image) or an image struct from the `image` data source.
      * preset_or_options - a preset name ('imagenet', 'mobilenet_v2': resize 256, crop 224,
          ImageNet mean/std, RGB, NCHW) or a map<string,string> with preset, resize, size (or
          width, height), scale, mean, std, channels (RGB|BGR), layout (NCHW|NHWC).
  """,
  examples = """
    Examples:
      > SELECT size(_FUNC_(unbase64('Qk06AAAAAAAAADYAAAAoAAAAAQAAAAEAAAABABgAAAAAAAQAAAATCwAAEwsAAAAAAAAAAAAAAAD/AA=='), map('resize', '0', 'size', '1')));
       3
  """,
  since = "0.1.0",
  group = "misc_funcs")
case class OnnxImageTensor(image: Expression, options: Expression) extends ImageTensor {
  def this(image: Expression) = this(image, org.apache.spark.sql.catalyst.expressions.Literal("imagenet"))
  override def failOnError: Boolean = true
  override def prettyName: String = "onnx_image_tensor"
  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]): OnnxImageTensor =
    copy(image = newChildren(0), options = newChildren(1))
}

@ExpressionDescription(
  usage = """
    _FUNC_(image[, preset_or_options]) - The same as `onnx_image_tensor`, but a bad image
      (truncated, not an image, zero size, above spark.onnx.image.maxPixels) gives null.
  """,
  examples = """
    Examples:
      > SELECT _FUNC_(X'00010203') IS NULL;
       true
  """,
  since = "0.1.0",
  group = "misc_funcs")
case class TryOnnxImageTensor(image: Expression, options: Expression) extends ImageTensor {
  def this(image: Expression) = this(image, org.apache.spark.sql.catalyst.expressions.Literal("imagenet"))
  override def failOnError: Boolean = false
  override def prettyName: String = "try_onnx_image_tensor"
  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]): TryOnnxImageTensor =
    copy(image = newChildren(0), options = newChildren(1))
}
