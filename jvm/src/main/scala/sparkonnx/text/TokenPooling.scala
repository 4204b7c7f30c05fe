package sparkonnx.text

import java.nio.FloatBuffer

/**
 * Pools a batch's per-token vectors (a `[rows, tokens, dim]` float tensor, rows padded to the
 * batch's longest) into one vector per row, as sentence-transformers does: `mean` averages the
 * vectors the attention mask keeps (the sum divided by max(mask count, 1e-9)), `cls` takes the
 * first; L2 normalisation divides by max(norm, 1e-12). Sums run in double.
 */
object TokenPooling {

  /** Row `row`'s pooled vector; `masks(row)` is its own (unpadded) attention mask. */
  def pool(
      hidden: FloatBuffer,
      tokens: Int,
      dim: Int,
      row: Int,
      mask: Array[Long],
      pooling: Pooling
  ): Array[Float] = {
    val base = row.toLong * tokens * dim
    val out = new Array[Float](dim)
    pooling match {
      case Pooling.Cls =>
        var d = 0
        while (d < dim) { out(d) = hidden.get((base + d).toInt); d += 1 }
      case _ =>
        val sums = new Array[Double](dim)
        var kept = 0.0
        var t = 0
        while (t < mask.length) {
          if (mask(t) != 0) {
            val at = (base + t.toLong * dim).toInt
            var d = 0
            while (d < dim) { sums(d) += hidden.get(at + d) * mask(t).toDouble; d += 1 }
            kept += mask(t).toDouble
          }
          t += 1
        }
        val divisor = math.max(kept, 1e-9)
        var d = 0
        while (d < dim) { out(d) = (sums(d) / divisor).toFloat; d += 1 }
    }
    out
  }

  /** Row `row`'s token vectors, its own tokens only (padding dropped). */
  def tokens(
      hidden: FloatBuffer,
      tokens: Int,
      dim: Int,
      row: Int,
      length: Int
  ): Array[Array[Float]] =
    Array.tabulate(length) { t =>
      val out = new Array[Float](dim)
      val at = ((row.toLong * tokens + t) * dim).toInt
      var d = 0
      while (d < dim) { out(d) = hidden.get(at + d); d += 1 }
      out
    }

  /** `v` divided by its L2 norm (at least 1e-12), in place; returns `v`. */
  def normalize(v: Array[Float]): Array[Float] = {
    var sum = 0.0
    var d = 0
    while (d < v.length) { sum += v(d).toDouble * v(d); d += 1 }
    val norm = math.max(math.sqrt(sum), 1e-12)
    d = 0
    while (d < v.length) { v(d) = (v(d) / norm).toFloat; d += 1 }
    v
  }
}
