package sparkonnx.model

/** ONNX tensor element types (`TensorProto.DataType`), by their protobuf code. */
sealed abstract class ElementType(val code: Int, val onnxName: String, val byteSize: Int)
    extends Serializable {
  override def toString: String = onnxName
}

object ElementType {
  case object Float extends ElementType(1, "float", 4)
  case object UInt8 extends ElementType(2, "uint8", 1)
  case object Int8 extends ElementType(3, "int8", 1)
  case object UInt16 extends ElementType(4, "uint16", 2)
  case object Int16 extends ElementType(5, "int16", 2)
  case object Int32 extends ElementType(6, "int32", 4)
  case object Int64 extends ElementType(7, "int64", 8)
  case object StringType extends ElementType(8, "string", -1)
  case object Bool extends ElementType(9, "bool", 1)
  case object Float16 extends ElementType(10, "float16", 2)
  case object Double extends ElementType(11, "double", 8)
  case object UInt32 extends ElementType(12, "uint32", 4)
  case object UInt64 extends ElementType(13, "uint64", 8)
  case object BFloat16 extends ElementType(16, "bfloat16", 2)

  /** Anything else: complex numbers, 8-bit floats, 4-bit ints, or a non-tensor value. */
  final case class Other(override val code: Int, description: String)
      extends ElementType(code, description, -1)

  private val known = Seq(
    Float,
    UInt8,
    Int8,
    UInt16,
    Int16,
    Int32,
    Int64,
    StringType,
    Bool,
    Float16,
    Double,
    UInt32,
    UInt64,
    BFloat16
  )

  def fromCode(code: Int): ElementType =
    known.find(_.code == code).getOrElse(Other(code, s"onnx_type_$code"))
}
