package sparkonnx.sql.planning

import org.apache.spark.sql.catalyst.expressions.{AttributeSet, NamedExpression}
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.execution.{
  ColumnarRule,
  ColumnarToRowExec,
  FilterExec,
  ProjectExec,
  SparkPlan
}

import sparkonnx.sql.execution.OnnxEvalExec

/**
 * Lets [[OnnxEvalExec]] read a columnar child (Parquet, ORC) itself: Spark puts a conversion to
 * rows between a columnar scan and a row-based operator, which builds an `UnsafeRow` per row —
 * copying every array element once more — only for the operator to copy the elements again into a
 * tensor. After the transitions are placed, this removes that conversion under an operator planned
 * with `spark.onnx.columnarInput`; the operator then reads the batches through views and copies
 * arrays in blocks. A filter in between runs inside the operator on the same views (only the rows
 * it keeps are scored, as before). A columnar rule, so it runs on every physical plan Spark
 * prepares (adaptive stages included) before code generation; if Spark places the transitions
 * again, it runs again.
 */
object ReadColumnarInput extends ColumnarRule {

  override def postColumnarTransitions: Rule[SparkPlan] = new Rule[SparkPlan] {
    override def apply(plan: SparkPlan): SparkPlan = plan.transformUp {
      case eval: OnnxEvalExec if eval.columnarInput =>
        eval.child match {
          case ColumnarToRowExec(columnar) => eval.copy(child = columnar)
          case FilterExec(condition, ColumnarToRowExec(columnar)) =>
            eval.copy(child = columnar, inputFilter = Some(condition))
          case ProjectExec(list, ColumnarToRowExec(columnar)) if movable(eval, list, columnar) =>
            projectAfter(eval, list, columnar)
          case ProjectExec(list, FilterExec(condition, ColumnarToRowExec(columnar)))
              if movable(eval, list, columnar) =>
            projectAfter(eval.copy(inputFilter = Some(condition)), list, columnar)
          case _ => eval
        }
    }
  }

  /**
   * A projection between the operator and the scan (a grouping key such as `id % 3` computed for an
   * aggregate above) can run after the scoring instead, when the calls read only scan columns it
   * passes on unchanged and it is deterministic: each row's values are the same either way. A
   * filter cannot move: it decides which rows are scored at all.
   */
  private def movable(eval: OnnxEvalExec, list: Seq[NamedExpression], scan: SparkPlan): Boolean =
    list.forall(_.deterministic) &&
      AttributeSet(eval.calls.flatMap(_.references)).subsetOf(scan.outputSet)

  /** `Project(list)` above the operator, which reads the scan and passes on what `list` needs. */
  private def projectAfter(
      eval: OnnxEvalExec,
      list: Seq[NamedExpression],
      scan: SparkPlan
  ): SparkPlan = {
    val byId = list.map(e => e.exprId -> e).toMap
    val kept = eval.passThrough.map(a => byId(a.exprId))
    val needed = AttributeSet(kept.flatMap(_.references))
    val scoring = eval.copy(passThrough = scan.output.filter(needed.contains), child = scan)
    ProjectExec(kept ++ eval.resultAttrs, scoring)
  }
}
