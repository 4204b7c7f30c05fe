package sparkonnx.sql.functions

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.Literal
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.types.{ArrayType, StringType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ModelLabels, ModelRegistry}

/**
 * `onnx_top_k(scores, k, 'model')`: the labels are the ones `model` records in its metadata
 * (`spark_onnx.labels`, one a line: the zoo's classifiers, any model a user labels), read at
 * analysis and put in the plan as a constant, so SQL users of an image or text classifier get class
 * names without copying a thousand labels into the query. A model without labels is an error, not a
 * column of nulls.
 */
case class ResolveTopKLabels(session: SparkSession) extends Rule[LogicalPlan] {

  override def apply(plan: LogicalPlan): LogicalPlan = plan.resolveExpressions {
    case topK @ OnnxTopK(_, _, name)
        if name.resolved && name.foldable && name.dataType == StringType =>
      val model = Option(name.eval()).map(_.toString).getOrElse {
        throw OnnxErrors.modelNameNotConstant(topK.prettyName, "NULL")
      }
      val labels = ModelLabels
        .of(ModelRegistry.lookup(session, model))
        .getOrElse(throw OnnxErrors.modelHasNoLabels(model, topK.prettyName))
      topK.copy(labels = Literal.create(labels.toSeq, ArrayType(StringType)))
  }
}
