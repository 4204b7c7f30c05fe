package sparkonnx.sql.planning

import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet}
import org.apache.spark.sql.catalyst.plans.logical.{LogicalPlan, UnaryNode}

import sparkonnx.sql.functions.OnnxPredict

/**
 * Scores `calls` over the rows of `child` and appends one result column per call (`resultAttrs`),
 * the logical twin of Spark's `BatchEvalPython`. Planned as `OnnxEvalExec`.
 *
 * Only the child columns in `passThrough` reach the output: a model's input column (often the
 * widest column by far: pixels, embeddings) is read by the calls and then dropped here, not copied
 * into every output row only for the operator above to discard it.
 */
case class OnnxEval(
    calls: Seq[OnnxPredict],
    resultAttrs: Seq[Attribute],
    passThrough: Seq[Attribute],
    child: LogicalPlan
) extends UnaryNode {

  override def output: Seq[Attribute] = passThrough ++ resultAttrs

  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  override lazy val references: AttributeSet =
    AttributeSet(calls.flatMap(_.references)) ++ AttributeSet(passThrough)

  override protected def withNewChildInternal(newChild: LogicalPlan): OnnxEval =
    copy(child = newChild)
}
