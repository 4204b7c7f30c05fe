package sparkonnx.model

/**
 * One named input or output of a model: element type and shape, with dynamic dimensions (symbolic
 * or unknown) as -1 and their symbolic names (`dim_param`, "" for none) in `dimNames`. `shapeKnown`
 * is false when the model declares no shape at all (unknown rank). Maps and sequences are described
 * by `kind`; their element type is that of the innermost values (`float` for
 * `seq(map(int64,float))`) and their shape that of a sequence's tensors.
 */
final case class TensorSpec(
    name: String,
    elementType: ElementType,
    shape: Seq[Long],
    kind: ValueKind = ValueKind.Tensor,
    dimNames: Seq[String] = Nil,
    shapeKnown: Boolean = true
) {

  def rank: Int = shape.length

  def isTensor: Boolean = kind == ValueKind.Tensor

  /** The symbolic name of dim `axis`, or "" when it has none (fixed, or unnamed dynamic). */
  def dimName(axis: Int): String = if (axis < dimNames.length) dimNames(axis) else ""

  def shapeString: String =
    if (!shapeKnown) "[unknown rank]"
    else
      shape
        .map(d => if (d < 0) "?" else d.toString)
        .mkString("[", ",", "]")

  /** The shape with dynamic dims by their symbolic names, e.g. `[2,batch,128]`. */
  def namedShapeString: String =
    if (!shapeKnown) "[unknown rank]"
    else
      shape.indices
        .map { i =>
          if (shape(i) >= 0) shape(i).toString else if (dimName(i).nonEmpty) dimName(i) else "?"
        }
        .mkString("[", ",", "]")

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
    externalData: Seq[String] = Nil
) {

  override def toString: String =
    s"inputs: ${inputs.mkString("(", ", ", ")")}, outputs: ${outputs.mkString("(", ", ", ")")}"
}
