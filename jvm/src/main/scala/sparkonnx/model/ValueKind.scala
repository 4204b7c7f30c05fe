package sparkonnx.model

/**
 * What an ONNX value is beyond its element type: a tensor, an ONNX-ML map, or a sequence.
 * Classifiers converted with a ZipMap (skl2onnx's default) output `seq(map(int64, float))`.
 */
sealed trait ValueKind extends Serializable {

  /** The value's type as ONNX writes it, with `element` as the innermost element type. */
  def describe(element: ElementType, shape: String): String
}

object ValueKind {
  case object Tensor extends ValueKind {
    def describe(element: ElementType, shape: String): String = s"${element.onnxName}$shape"
  }

  /** A map from `key` to values of the spec's element type. */
  final case class MapOf(key: ElementType) extends ValueKind {
    def describe(element: ElementType, shape: String): String =
      s"map(${key.onnxName},${element.onnxName})"
  }

  final case class SequenceOf(element: ValueKind) extends ValueKind {
    def describe(leaf: ElementType, shape: String): String =
      s"seq(${element.describe(leaf, shape)})"
  }
}
