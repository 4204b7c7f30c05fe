package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.analysis.UnresolvedException
import org.apache.spark.sql.catalyst.expressions.{
  Expression,
  ExpressionDescription,
  Literal,
  Unevaluable
}
import org.apache.spark.sql.types.DataType

/** `onnx_image_tensor` / `try_onnx_image_tensor` before [[ResolveImageTensors]] binds them. */
trait ImageTensorCall extends Expression with Unevaluable {
  def image: Expression
  def options: Expression
  def failOnError: Boolean

  override def children: Seq[Expression] = Seq(image, options)
  override lazy val resolved: Boolean = false
  override def dataType: DataType = throw new UnresolvedException("dataType")
  override def nullable: Boolean = true
  override def prettyName: String =
    if (failOnError) ImageTensorEval.FunctionName else ImageTensorEval.TryFunctionName
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
  group = "misc_funcs"
)
case class OnnxImageTensor(image: Expression, options: Expression) extends ImageTensorCall {
  def this(image: Expression) = this(image, Literal("imagenet"))
  override def failOnError: Boolean = true
  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): OnnxImageTensor =
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
  group = "misc_funcs"
)
case class TryOnnxImageTensor(image: Expression, options: Expression) extends ImageTensorCall {
  def this(image: Expression) = this(image, Literal("imagenet"))
  override def failOnError: Boolean = false
  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): TryOnnxImageTensor =
    copy(image = newChildren(0), options = newChildren(1))
}
