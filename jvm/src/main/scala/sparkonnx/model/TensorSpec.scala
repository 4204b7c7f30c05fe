package sparkonnx.model

/**
 * One named input or output of a model: element type and shape, with dynamic dimensions
 * (symbolic or unknown) as -1. `rank` is -1 when the model declares no shape at all.
 */
final case class TensorSpec(name: String, elementType: ElementType, shape: Seq[Long]) {

  def rank: Int = shape.length

  /** Dims after the leading batch dimension. */
  def rowShape: Seq[Long] = shape.drop(1)

  /** Elements per row when every non-batch dim is static, else None. */
  def staticRowSize: Option[Long] =
    if (rowShape.forall(_ >= 0)) Some(rowShape.product) else None

  def shapeString: String = shape.map(d => if (d < 0) "?" else d.toString).mkString("[", ",", "]")

  override def toString: String = s"$name: $elementType$shapeString"
}

/** What a model consumes and produces, read from its graph. */
final case class ModelSignature(
    inputs: Seq[TensorSpec],
    outputs: Seq[TensorSpec],
    opsets: Map[String, Long],
    producer: String,
    irVersion: Long) {

  override def toString: String =
    s"inputs: ${inputs.mkString("(", ", ", ")")}, outputs: ${outputs.mkString("(", ", ", ")")}"
}
