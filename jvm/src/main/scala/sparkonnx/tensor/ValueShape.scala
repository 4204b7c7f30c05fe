package sparkonnx.tensor

/**
 * How a row's value fills the dims an input expects of it (docs/tensors.md, "What a row holds"):
 * nested arrays as deep as the dims must match them dim by dim; shallower arrays fill the leading
 * dims one to one and their innermost arrays the rest, reshaped row-major (a flat array into static
 * dims, or into one dynamic dim the static ones divide); a scalar fills dims of size 1. Anything
 * else is refused: a shape is never guessed.
 */
private[tensor] object ValueShape {

  /** The value's full dims when `dims` (the value's own) fit `expected`, else None. */
  def fit(dims: Array[Long], expected: Array[Long], scalar: Boolean): Option[Array[Long]] = {
    val depth = dims.length
    val rank = expected.length
    def matches(i: Int) = expected(i) < 0 || expected(i) == dims(i)
    if (scalar) {
      if (expected.forall(d => d == 1 || d < 0)) Some(Array.fill(rank)(1L)) else None
    } else if (depth == rank) {
      if (dims.indices.forall(matches)) Some(dims) else None
    } else if (depth > rank && rank > 0) {
      // Deeper (rectangular) arrays are read row-major, like one flat array of their elements.
      fit(Array(dims.product), expected, scalar = false)
    } else if (depth == 0 || depth > rank) {
      None
    } else if (!(0 until depth - 1).forall(matches)) {
      None
    } else {
      // The innermost arrays fill dims depth-1 .. rank-1, row-major.
      val rest = expected.drop(depth - 1)
      val innermost = dims(depth - 1)
      val staticProduct = rest.filter(_ >= 0).product
      val dynamic = rest.indices.filter(rest(_) < 0)
      val filled = rest.clone()
      if (dynamic.isEmpty) {
        if (innermost != staticProduct) return None
      } else if (dynamic.size == 1 && staticProduct > 0 && innermost % staticProduct == 0) {
        filled(dynamic.head) = innermost / staticProduct
      } else return None
      Some(dims.take(depth - 1) ++ filled)
    }
  }

  /** A value's dims for errors: `63 elements` for a flat one, `an array of shape [3,4]`. */
  def describe(dims: Array[Long], depth: Int): String =
    if (dims.isEmpty) "a scalar"
    else if (dims.length == 1) s"${dims(0)} element${if (dims(0) == 1) "" else "s"}"
    else s"an array of shape ${dims.mkString("[", ",", "]")}"
}
