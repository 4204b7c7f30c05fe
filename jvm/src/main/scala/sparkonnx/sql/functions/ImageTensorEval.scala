package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Expression, UnsafeArrayData}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types._

import sparkonnx.errors.OnnxErrors
import sparkonnx.image.{ImageDecoder, ImagePreprocessing, RgbImage}

/**
 * A resolved `onnx_image_tensor`: decodes, resizes, crops and normalises one image in the JVM into
 * the flat `array<float>` a model input takes. The column name for errors, the pixel limit and the
 * preprocessing are fixed at analysis, on the driver. `source`, when the analyzer found one (the
 * `path` column of `binaryFile` rows), names a bad image's file in its error; an image struct names
 * itself by its `origin`.
 */
case class ImageTensorEval(
    child: Expression,
    preprocessing: ImagePreprocessing,
    column: String,
    maxPixels: Long,
    failOnError: Boolean,
    source: Option[Expression] = None
) extends Expression
    with CodegenFallback {

  override def children: Seq[Expression] = child +: source.toSeq

  override def dataType: DataType = ArrayType(FloatType, containsNull = false)
  override def nullable: Boolean = true
  override def prettyName: String =
    if (failOnError) ImageTensorEval.FunctionName else ImageTensorEval.TryFunctionName
  override def flatArguments: Iterator[Any] = Iterator(child)
  override def foldable: Boolean = child.foldable && source.forall(_.foldable)

  override def eval(input: InternalRow): Any = {
    val value = child.eval(input)
    if (value == null) return null
    try UnsafeArrayData.fromPrimitiveArray(tensor(value))
    catch {
      case e: ImageDecoder.BadImage =>
        if (failOnError) throw OnnxErrors.invalidImage(origin(input, value), column, e.reason)
        else null
    }
  }

  private def tensor(value: Any): Array[Float] = child.dataType match {
    case BinaryType =>
      // Only the part the crop reads is decoded, where the format allows (decodeWindow).
      ImageDecoder.decodeWindow(value.asInstanceOf[Array[Byte]], maxPixels, preprocessing.window)(
        preprocessing(_, _)
      )
    case _ => preprocessing(decode(value))
  }

  private def decode(value: Any): RgbImage = child.dataType match {
    case struct: StructType =>
      val row = value.asInstanceOf[InternalRow]
      def field(name: String) = struct.fieldIndex(name)
      ImageDecoder.fromSparkImage(
        row.getInt(field("width")),
        row.getInt(field("height")),
        row.getInt(field("nChannels")),
        row.getBinary(field("data")),
        maxPixels
      )
    case other => throw new IllegalStateException(s"unexpected image type $other")
  }

  private def origin(input: InternalRow, value: Any): String = child.dataType match {
    case struct: StructType =>
      val row = value.asInstanceOf[InternalRow]
      val index = struct.fieldIndex("origin")
      if (row.isNullAt(index)) "(no origin)" else row.getUTF8String(index).toString
    case _ =>
      source.flatMap(s => Option(s.eval(input))).map(_.toString).getOrElse("(binary value)")
  }

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): ImageTensorEval =
    copy(child = newChildren.head, source = source.map(_ => newChildren(1)))
}

object ImageTensorEval {
  val FunctionName = "onnx_image_tensor"
  val TryFunctionName = "try_onnx_image_tensor"
  val StructFields: Seq[String] = Seq("origin", "height", "width", "nChannels", "data")

  /** The `binaryFile` source's column with each file's path. */
  val PathColumn = "path"
}
