package sparkonnx.model

/**
 * One named input or output of a model: element type and shape, with dynamic dimensions
 * (symbolic or unknown) as -1. `rank` is -1 when the model declares no shape at all.
 * Maps and sequences are described by `kind`; their element type is that of the innermost
 * values (`float` for `seq(map(int64,float))`) and their shape that of a sequence's tensors.
 */
final case class TensorSpec(
    name: String,
    elementType: ElementType,
    shape: Seq[Long],
    kind: ValueKind = ValueKind.Tensor) {

  def rank: Int = shape.length

  def isTensor: Boolean = kind == ValueKind.Tensor

  /** Dims after the leading batch dimension. */
  def rowShape: Seq[Long] = shape.drop(1)

  /** Elements per row when every non-batch dim is static, else None. */
  def staticRowSize: Option[Long] =
    if (rowShape.forall(_ >= 0)) Some(rowShape.product) else None

  def shapeString: String = shape.map(d => if (d < 0) "?" else d.toString).mkString("[", ",", "]")

  /** The full type, e.g. `float[?,64]` or `seq(map(int64,float))`. */
  def typeString: String = kind.describe(elementType, shapeString)

  override def toString: String = s"$name: $typeString"
}

/** What a model consumes and produces, read from its graph. */
final case class ModelSignature(
    inputs: Seq[TensorSpec],
    outputs: Seq[TensorSpec],
    opsets: Map[String, Long],
    producer: String,
    irVersion: Long,
    metadata: Map[String, String] = Map.empty,
    externalData: Seq[String] = Nil) {

  override def toString: String =
    s"inputs: ${inputs.mkString("(", ", ", ")")}, outputs: ${outputs.mkString("(", ", ", ")")}"
}
