package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult
import org.apache.spark.sql.catalyst.expressions.{
  Expression,
  ExpressionDescription,
  GenericInternalRow
}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.catalyst.util.{ArrayData, GenericArrayData}
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

/**
 * The `k` most probable classes of a score vector, best first, with their labels: how a
 * classifier's probabilities become `array<struct<label, probability>>`. A model name in place of
 * the labels is replaced by the labels the model records, at analysis ([[ResolveTopKLabels]]).
 */
@ExpressionDescription(
  usage = """
    _FUNC_(scores, k[, labels]) - The `k` largest entries of `scores` (array of float or
      double), best first, as array<struct<index: int, label: string, probability: float>>;
      `label` comes from `labels`: a constant array<string>, or the constant name of a
      registered model whose metadata records its classes (`spark_onnx.labels`, as the zoo's
      classifiers do); null without it. Ties keep index order.
  """,
  examples = """
    Examples:
      > SELECT _FUNC_(array(0.1F, 0.7F, 0.2F), 2, array('cat', 'dog', 'fox'))[0].label;
       dog
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class OnnxTopK(scores: Expression, k: Expression, labels: Expression)
    extends Expression
    with CodegenFallback {

  def this(scores: Expression, k: Expression) =
    this(scores, k, org.apache.spark.sql.catalyst.expressions.Literal(null, ArrayType(StringType)))

  override def children: Seq[Expression] = Seq(scores, k, labels)
  override def nullable: Boolean = true
  override def prettyName: String = "onnx_top_k"

  override def dataType: DataType = OnnxTopK.ResultType

  @transient private lazy val labelArray: Array[UTF8String] = Option(labels.eval())
    .map(a => a.asInstanceOf[ArrayData].toArray[UTF8String](StringType))
    .getOrElse(Array.empty)

  @transient private lazy val count: Int = k.eval().asInstanceOf[Int]

  override def checkInputDataTypes(): TypeCheckResult = (scores.dataType, k, labels) match {
    case (ArrayType(FloatType | DoubleType, _), kk, ll)
        if kk.foldable &&
          kk.dataType == IntegerType && ll.foldable &&
          (ll.dataType == ArrayType(StringType) || ll.dataType == ArrayType(StringType, false)) =>
      if (count < 1) TypeCheckResult.TypeCheckFailure(s"$prettyName: k must be >= 1")
      else TypeCheckResult.TypeCheckSuccess
    case _ =>
      TypeCheckResult.TypeCheckFailure(
        s"$prettyName takes an array of float or double, a constant int k and optional " +
          "labels: a constant array<string>, or the constant name of a model that records them"
      )
  }

  override def eval(input: InternalRow): Any = {
    val value = scores.eval(input)
    if (value == null) return null
    val array = value.asInstanceOf[ArrayData]
    val n = array.numElements()
    val values = scores.dataType match {
      case ArrayType(FloatType, _) => Array.tabulate(n)(i => array.getFloat(i).toDouble)
      case _ => Array.tabulate(n)(i => array.getDouble(i))
    }
    val best = OnnxTopK.topIndices(values, count)
    new GenericArrayData(
      best
        .map { i =>
          new GenericInternalRow(
            Array[Any](i, if (i < labelArray.length) labelArray(i) else null, values(i).toFloat)
          )
        }
        .toArray[Any]
    )
  }

  override protected def withNewChildrenInternal(newChildren: IndexedSeq[Expression]): OnnxTopK =
    copy(scores = newChildren(0), k = newChildren(1), labels = newChildren(2))
}

object OnnxTopK {

  /** Above this k a full sort is cheaper than inserting into the running top k. */
  private val InsertionLimit = 64

  /**
   * The indices of the `count` largest `values`, largest first, ties in index order, NaN after
   * every number (the order of a sort by `(-value, index)`). A classifier's top 5 of 1,000 scores
   * is one pass that keeps a running top k, without sorting or boxing the 1,000: a full sort of
   * boxed pairs took several percent of an image pipeline's time.
   */
  def topIndices(values: Array[Double], count: Int): Array[Int] = {
    val k = math.min(count, values.length)
    if (k > InsertionLimit) return values.indices.sortBy(i => (-values(i), i)).take(k).toArray
    // Indices arrive in increasing order, so a newcomer ranks below every equal value held.
    def before(a: Int, b: Int): Boolean = java.lang.Double.compare(-values(a), -values(b)) < 0
    val best = new Array[Int](k)
    var size = 0
    var i = 0
    while (i < values.length) {
      if (size < k || before(i, best(k - 1))) {
        var j = if (size < k) size else k - 1
        while (j > 0 && before(i, best(j - 1))) {
          best(j) = best(j - 1)
          j -= 1
        }
        best(j) = i
        if (size < k) size += 1
      }
      i += 1
    }
    best
  }

  /** `array<struct<index, label, probability>>`, best first. */
  val ResultType: DataType = ArrayType(
    new StructType()
      .add("index", IntegerType, nullable = false)
      .add("label", StringType)
      .add("probability", FloatType, nullable = false),
    containsNull = false
  )
}
