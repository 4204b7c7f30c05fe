package sparkonnx.sql

import org.apache.spark.sql.catalyst.expressions.{Attribute, AttributeSet}
import org.apache.spark.sql.catalyst.plans.logical.{LogicalPlan, UnaryNode}

/**
 * Scores `calls` over the rows of `child` and appends one result column per call
 * (`resultAttrs`), the logical twin of Spark's `BatchEvalPython`. Planned as [[OnnxEvalExec]].
 */
case class OnnxEval(calls: Seq[OnnxPredict], resultAttrs: Seq[Attribute], child: LogicalPlan)
  extends UnaryNode {

  override def output: Seq[Attribute] = child.output ++ resultAttrs

  override def producedAttributes: AttributeSet = AttributeSet(resultAttrs)

  override lazy val references: AttributeSet = AttributeSet(calls.flatMap(_.references))

  override protected def withNewChildInternal(newChild: LogicalPlan): OnnxEval =
    copy(child = newChild)
}
