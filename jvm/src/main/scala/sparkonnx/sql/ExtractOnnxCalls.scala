package sparkonnx.sql

import scala.collection.mutable

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.plans.logical.{Filter, LogicalPlan, Project}
import org.apache.spark.sql.catalyst.rules.Rule

/**
 * Moves `onnx_predict` calls out of projections and filters into [[OnnxEval]] nodes, so they
 * run a batch per ONNX Runtime call, the way Spark's `ExtractPythonUDFs` does for Python UDFs.
 *
 * A call is moved only where Spark would evaluate it for every row anyway: not inside a
 * conditional branch (a `CASE WHEN` guard must keep protecting bad rows), a lambda, or the
 * right side of AND/OR. Calls with the same model and inputs share one result column, so they
 * run once. Calls elsewhere (aggregates, sorts, joins) stay and are evaluated row by row.
 * Runs once, after operator optimisation (`injectPreCBORule`).
 */
object ExtractOnnxCalls extends Rule[LogicalPlan] {

  private val MaxRounds = 100

  override def apply(plan: LogicalPlan): LogicalPlan = {
    // Each round moves the innermost calls; a call fed by another call moves the next round.
    var current = plan
    var round = 0
    var changed = true
    while (changed && round < MaxRounds) {
      val next = extractOnce(current)
      changed = !next.fastEquals(current)
      current = next
      round += 1
    }
    current
  }

  private def extractOnce(plan: LogicalPlan): LogicalPlan = plan.transformDown {
    // A filter's calls run below it; the projection above reuses their results.
    case Project(list, Filter(condition, child)) if movable(Seq(condition), child).nonEmpty =>
      val (eval, results) = evalNode(movable(Seq(condition), child), child)
      val (newList, newCondition) = (list.map(replace(_, results)), replace(condition, results))
      Project(newList, Filter(newCondition, pruned(eval, newList :+ newCondition)))
    case Project(list, child) if movable(list, child).nonEmpty =>
      val (eval, results) = evalNode(movable(list, child), child)
      val newList = list.map(replace(_, results))
      Project(newList, pruned(eval, newList))
    case Filter(condition, child) if movable(Seq(condition), child).nonEmpty =>
      val (eval, results) = evalNode(movable(Seq(condition), child), child)
      Project(child.output, Filter(replace(condition, results), eval))
  }

  /** `eval` passing through only the child columns that `consumers` read. */
  private def pruned(eval: OnnxEval, consumers: Seq[Expression]): OnnxEval = {
    val used = AttributeSet(consumers.flatMap(_.references))
    eval.copy(passThrough = eval.child.output.filter(used.contains))
  }

  /** Distinct movable calls in `expressions`, keyed by their canonical form. */
  private def movable(
      expressions: Seq[Expression],
      child: LogicalPlan): Seq[(Expression, OnnxPredict)] = {
    val found = mutable.LinkedHashMap.empty[Expression, OnnxPredict]
    expressions.flatMap(alwaysEvaluated).foreach { call =>
      if (call.references.subsetOf(child.outputSet) && !usesOuterScope(call)) {
        found.getOrElseUpdate(call.canonicalized, call)
      }
    }
    found.toSeq
  }

  /** Innermost calls reached without passing a conditional branch or a lambda. */
  private def alwaysEvaluated(expression: Expression): Seq[OnnxPredict] = expression match {
    case call: OnnxPredict if !call.children.exists(_.exists(_.isInstanceOf[OnnxPredict])) =>
      Seq(call)
    case conditional: ConditionalExpression =>
      conditional.alwaysEvaluatedInputs.flatMap(alwaysEvaluated)
    case higherOrder: HigherOrderFunction => higherOrder.arguments.flatMap(alwaysEvaluated)
    case And(left, _) => alwaysEvaluated(left)
    case Or(left, _) => alwaysEvaluated(left)
    case _: SubqueryExpression => Nil
    case other => other.children.flatMap(alwaysEvaluated)
  }

  private def usesOuterScope(call: OnnxPredict): Boolean = call.exists {
    case _: OuterReference | _: NamedLambdaVariable | _: SubqueryExpression => true
    case _ => false
  }

  private def evalNode(
      calls: Seq[(Expression, OnnxPredict)],
      child: LogicalPlan): (OnnxEval, Map[Expression, Attribute]) = {
    val attributes = calls.map { case (_, call) =>
      AttributeReference(s"onnx_${call.modelName}", call.dataType, nullable = true)()
    }
    val results = calls.map(_._1).zip(attributes).toMap
    (OnnxEval(calls.map(_._2), attributes, child.output, child), results)
  }

  private def replace[E <: Expression](expression: E, results: Map[Expression, Attribute]): E =
    expression.transformDown {
      case call: OnnxPredict if results.contains(call.canonicalized) => results(call.canonicalized)
    }.asInstanceOf[E]
}
