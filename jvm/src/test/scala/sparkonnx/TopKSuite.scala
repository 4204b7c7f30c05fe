package sparkonnx

import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.sql.functions.OnnxTopK

/**
 * OnnxTopK.topIndices keeps a running top k instead of sorting: it must pick the indices a full
 * sort by (-value, index) picks, in that order, whatever the ties, NaNs, signed zeros and k.
 */
class TopKSuite extends AnyFunSuite {

  private def bySort(values: Array[Double], k: Int): Seq[Int] =
    values.indices.sortBy(i => (-values(i), i)).take(k)

  test("the running top k picks what a full sort picks, in its order") {
    val random = new scala.util.Random(7)
    val special = Array(Double.NaN, 0.0, -0.0, Double.PositiveInfinity, Double.NegativeInfinity)
    for (trial <- 0 until 500) {
      val n = random.nextInt(40)
      // Few distinct values, so ties are common; some special values.
      val values = Array.fill(n) {
        if (random.nextInt(8) == 0) special(random.nextInt(special.length))
        else random.nextInt(6) / 4.0 - 0.5
      }
      for (k <- Seq(1, 2, 5, n, n + 3, 70).filter(_ >= 1)) {
        assert(OnnxTopK.topIndices(values, k).toSeq === bySort(values, k), s"trial $trial, k $k")
      }
    }
  }

  test("a large k sorts every value") {
    val values = Array.tabulate(200)(i => ((i * 37) % 11).toDouble)
    assert(OnnxTopK.topIndices(values, 150).toSeq === bySort(values, 150))
    assert(OnnxTopK.topIndices(Array.empty[Double], 5).isEmpty)
  }
}
