package sparkonnx.sql.planning

import scala.collection.mutable

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression
import org.apache.spark.sql.catalyst.plans.{Inner, JoinType}
import org.apache.spark.sql.catalyst.plans.logical._
import org.apache.spark.sql.catalyst.rules.Rule

import sparkonnx.sql.functions.OnnxPredict

/**
 * Moves `onnx_predict` calls out of the operators that hold them into [[OnnxEval]] nodes below
 * those operators, so they run a batch per ONNX Runtime call, the way Spark's `ExtractPythonUDFs`
 * and `ExtractPythonUDFFromAggregate` do for Python UDFs: projections, every conjunct of a filter
 * (in order: the conjuncts before a call still guard it), aggregate arguments and FILTER clauses,
 * grouping keys, sort keys, window functions and specs, and join conditions (calls over one side go
 * below that side; in an inner join, calls over both sides become a filter above it).
 *
 * A call is moved only where Spark would evaluate it for every row anyway: not inside a conditional
 * branch (a `CASE WHEN` guard must keep protecting bad rows), a lambda, the right side of AND/OR,
 * or on aggregated values. Those stay, and are scored row by row ([[PlanRowwiseCalls]]). Calls with
 * the same model and inputs share one result column, so they run once. Runs once, after operator
 * optimisation (`injectPreCBORule`).
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
    case Project(list, Filter(condition, child)) if firstCallConjunct(condition, child).nonEmpty =>
      val (guards, calls, rest) = firstCallConjunct(condition, child).get
      val (eval, results) = evalNode(calls, guarded(guards, child))
      val newCondition = replace(rest.reduce(And), results)
      val newList = list.map(replace(_, results))
      Project(newList, Filter(newCondition, pruned(eval, newList :+ newCondition)))
    case Project(list, child) if movable(list.flatMap(alwaysEvaluated), child).nonEmpty =>
      val (eval, results) = evalNode(movable(list.flatMap(alwaysEvaluated), child), child)
      val newList = list.map(replace(_, results))
      Project(newList, pruned(eval, newList))
    case Filter(condition, child) if firstCallConjunct(condition, child).nonEmpty =>
      val (guards, calls, rest) = firstCallConjunct(condition, child).get
      val (eval, results) = evalNode(calls, guarded(guards, child))
      val newCondition = replace(rest.reduce(And), results)
      Project(child.output, Filter(newCondition, pruned(eval, child.output :+ newCondition)))
    case aggregate @ Aggregate(grouping, results, child, _)
        if movable(aggregateCalls(grouping, results), child).nonEmpty =>
      val (eval, replaced) = evalNode(movable(aggregateCalls(grouping, results), child), child)
      val newGrouping = grouping.map(replace(_, replaced))
      val newResults = results.map(replace(_, replaced))
      aggregate.copy(
        groupingExpressions = newGrouping,
        aggregateExpressions = newResults,
        child = pruned(eval, newGrouping ++ newResults)
      )
    case Sort(order, global, child, hint)
        if movable(order.flatMap(alwaysEvaluated), child).nonEmpty =>
      val (eval, results) = evalNode(movable(order.flatMap(alwaysEvaluated), child), child)
      val newOrder = order.map(replace(_, results))
      Project(child.output, Sort(newOrder, global, pruned(eval, child.output ++ newOrder), hint))
    case window @ Window(functions, partitionSpec, orderSpec, child, _)
        if movable(windowCalls(window), child).nonEmpty =>
      val (eval, results) = evalNode(movable(windowCalls(window), child), child)
      val newFunctions = functions.map(replace(_, results))
      val newPartition = partitionSpec.map(replace(_, results))
      val newOrder = orderSpec.map(replace(_, results))
      val newChild = pruned(eval, child.output ++ newFunctions ++ newPartition ++ newOrder)
      Project(
        window.output,
        window.copy(
          windowExpressions = newFunctions,
          partitionSpec = newPartition,
          orderSpec = newOrder,
          child = newChild
        )
      )
    case join @ Join(left, right, joinType, Some(condition), _) if joinCalls(join).nonEmpty =>
      extractFromJoin(join, left, right, joinType, condition)
  }

  /**
   * The first conjunct of `condition` with movable calls: the conjuncts before it (guards, to
   * filter by first), its calls, and it with every conjunct after it.
   */
  private def firstCallConjunct(
      condition: Expression,
      child: LogicalPlan
  ): Option[(Seq[Expression], Seq[(Expression, OnnxPredict)], Seq[Expression])] = {
    val conjuncts = splitConjuncts(condition)
    val index = conjuncts.indexWhere(c => movable(alwaysEvaluated(c), child).nonEmpty)
    if (index < 0) None
    else
      Some(
        (
          conjuncts.take(index),
          movable(alwaysEvaluated(conjuncts(index)), child),
          conjuncts.drop(index)
        )
      )
  }

  private def splitConjuncts(condition: Expression): Seq[Expression] = condition match {
    case And(left, right) => splitConjuncts(left) ++ splitConjuncts(right)
    case other => Seq(other)
  }

  private def guarded(guards: Seq[Expression], child: LogicalPlan): LogicalPlan =
    if (guards.isEmpty) child else Filter(guards.reduce(And), child)

  /** Calls in grouping keys and inside aggregate functions (arguments and FILTER clauses). */
  private def aggregateCalls(
      grouping: Seq[Expression],
      results: Seq[NamedExpression]
  ): Seq[OnnxPredict] = {
    def insideAggregates(expression: Expression): Seq[OnnxPredict] = expression match {
      case aggregate: AggregateExpression => aggregate.children.flatMap(alwaysEvaluated)
      // A call on aggregated values (or a grouping key, matched when the key is replaced).
      case _: OnnxPredict => Nil
      case other => other.children.flatMap(insideAggregates)
    }
    grouping.flatMap(alwaysEvaluated) ++ results.flatMap(insideAggregates)
  }

  private def windowCalls(window: Window): Seq[OnnxPredict] =
    (window.windowExpressions ++ window.partitionSpec ++ window.orderSpec).flatMap(alwaysEvaluated)

  private def joinCalls(join: Join): Seq[OnnxPredict] =
    join.condition.toSeq.flatMap(splitConjuncts).flatMap(alwaysEvaluated).filter { call =>
      !usesOuterScope(call) && !holdsAggregates(call) &&
      (call.references.subsetOf(join.left.outputSet) ||
        call.references.subsetOf(join.right.outputSet) ||
        (join.joinType == Inner && call.references.subsetOf(join.outputSet)))
    }

  /**
   * Calls over one side run below that side; in an inner join, the conjuncts with calls over both
   * sides become a filter above the join (whose remaining keys still drive it).
   */
  private def extractFromJoin(
      join: Join,
      left: LogicalPlan,
      right: LogicalPlan,
      joinType: JoinType,
      condition: Expression
  ): LogicalPlan = {
    val calls = joinCalls(join)
    val leftCalls = movable(calls, left)
    val rightCalls = movable(calls.filterNot(c => leftCalls.exists(_._2 eq c)), right)
    if (leftCalls.isEmpty && rightCalls.isEmpty) {
      // Only calls over both sides, in an inner join: filter above the join.
      val (both, keys) = splitConjuncts(condition).partition(_.exists {
        case call: OnnxPredict => calls.contains(call)
        case _ => false
      })
      return Project(
        join.output,
        Filter(both.reduce(And), join.copy(condition = keys.reduceOption(And)))
      )
    }
    def side(found: Seq[(Expression, OnnxPredict)], plan: LogicalPlan) =
      if (found.isEmpty) (plan, Map.empty[Expression, Attribute]) else evalNode(found, plan)
    val (newLeft, leftResults) = side(leftCalls, left)
    val (newRight, rightResults) = side(rightCalls, right)
    val newCondition = replace(condition, leftResults ++ rightResults)
    val keep = join.output ++ Seq(newCondition)
    def prune(plan: LogicalPlan) = plan match {
      case eval: OnnxEval => pruned(eval, keep)
      case other => other
    }
    Project(
      join.output,
      join.copy(left = prune(newLeft), right = prune(newRight), condition = Some(newCondition))
    )
  }

  /** `eval` passing through only the child columns that `consumers` read. */
  private def pruned(eval: OnnxEval, consumers: Seq[Expression]): OnnxEval = {
    val used = AttributeSet(consumers.flatMap(_.references))
    eval.copy(passThrough = eval.child.output.filter(used.contains))
  }

  /** The distinct calls of `calls` that can run over `child`, keyed by their canonical form. */
  private def movable(
      calls: Seq[OnnxPredict],
      child: LogicalPlan
  ): Seq[(Expression, OnnxPredict)] = {
    val found = mutable.LinkedHashMap.empty[Expression, OnnxPredict]
    calls.foreach { call =>
      if (
        call.references.subsetOf(child.outputSet) && !usesOuterScope(call) &&
        !holdsAggregates(call)
      ) {
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

  private def holdsAggregates(call: OnnxPredict): Boolean = call.exists {
    case _: AggregateExpression | _: WindowExpression => true
    case _ => false
  }

  private def evalNode(
      calls: Seq[(Expression, OnnxPredict)],
      child: LogicalPlan
  ): (OnnxEval, Map[Expression, Attribute]) = {
    val attributes = calls.map { case (_, call) =>
      AttributeReference(s"onnx_${call.modelName}", call.dataType, nullable = true)()
    }
    val results = calls.map(_._1).zip(attributes).toMap
    (OnnxEval(calls.map(_._2), attributes, child.output, child), results)
  }

  private def replace[E <: Expression](expression: E, results: Map[Expression, Attribute]): E =
    expression
      .transformDown {
        case call: OnnxPredict if results.contains(call.canonicalized) =>
          results(call.canonicalized)
      }
      .asInstanceOf[E]
}
