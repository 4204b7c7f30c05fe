package sparkonnx.sql.functions

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{CreateNamedStruct, Expression, GetStructField}
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.catalyst.util.toPrettySQL
import org.apache.spark.sql.types.{StringType, StructType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ModelRegistry, OnnxModel}
import sparkonnx.runtime.SessionOptions
import sparkonnx.tensor.{ModelBinding, TextBinding}
import sparkonnx.text.{TextModel, TextOptions}

/**
 * Binds each `onnx_predict` call to its model once the call's arguments are resolved: looks the
 * model up in the session's registry and checks the columns against its signature, so every
 * mismatch is an analysis error naming the model, the input and the column.
 *
 * A model with several inputs may also be fed one struct column whose fields are named after its
 * inputs, in any order (`onnx_predict('m', struct(b, a))`): the call is rewritten to take the
 * fields in the model's input order.
 */
case class ResolveOnnxCalls(session: SparkSession) extends Rule[LogicalPlan] {

  override def apply(plan: LogicalPlan): LogicalPlan = plan.resolveExpressions {
    case call: UnboundOnnxCall if call.childrenResolved => bind(call)
    case call: OnnxTokenizeCall if call.childrenResolved => bindTokenize(call)
  }

  /** `onnx_tokenize(model, text[, options])` bound to the text model's tokenizer. */
  private def bindTokenize(call: OnnxTokenizeCall): OnnxTokenize = {
    val modelName = constantName(call.prettyName, call.children.headOption)
    ModelRegistry.lookup(session, modelName)
    val (tokenizer, registered) = ModelRegistry
      .text(session, modelName)
      .getOrElse(throw OnnxErrors.notATextModel(modelName, "it was registered with no tokenizer"))
    val arguments = call.children.tail
    val hasOptions = arguments.size == 2 && CallOptions.isOptions(arguments.last)
    if (
      arguments.isEmpty || arguments.size != (if (hasOptions) 2 else 1) ||
      !TextBinding.isText(arguments.head.dataType)
    ) {
      throw OnnxErrors.textInputTypeMismatch(
        modelName,
        arguments.map(columnName).mkString(", "),
        arguments.map(_.dataType.sql).mkString(", ")
      )
    }
    val options = CallOptions.parse(
      call.prettyName,
      registered ++ (if (hasOptions) CallOptions.literal(arguments.last) else Map.empty)
    )
    val text = TextOptions.parse(call.prettyName, options.text, CallOptions.Names)
    OnnxTokenize(modelName, TextModel(tokenizer, text), arguments.head)
  }

  private def constantName(function: String, argument: Option[Expression]): String =
    argument match {
      case Some(name) if name.foldable && name.dataType == StringType && name.eval() != null =>
        name.eval().toString
      case Some(other) => throw OnnxErrors.modelNameNotConstant(function, columnName(other))
      case None => throw OnnxErrors.modelNameNotConstant(function, "no argument")
    }

  private def bind(call: UnboundOnnxCall): OnnxPredict = {
    val modelName = constantName(call.prettyName, call.children.headOption)
    val model = ModelRegistry.lookup(session, modelName)
    val arguments = call.children.tail
    val inputCount = model.signature.inputs.size
    val endsWithOptions = arguments.lastOption.exists(CallOptions.isOptions)
    val text = ModelRegistry.text(session, modelName)
    // One struct (and perhaps options) for a model of several inputs: inputs by field name.
    val byName = inputCount > 1 && text.isEmpty &&
      arguments.headOption.exists(_.dataType.isInstanceOf[StructType]) &&
      (arguments.size == 1 || (arguments.size == 2 && endsWithOptions))
    // A trailing constant map is options, unless the model really takes that many inputs.
    // A text model takes one text column: a second, constant map argument is options.
    val hasOptions = endsWithOptions &&
      (if (text.isDefined) arguments.size == 2 else byName || arguments.size == inputCount + 1)
    val positional = if (hasOptions) arguments.init else arguments
    val inputs = if (byName) fieldsByName(modelName, model, positional.head) else positional
    // Options the model was registered (or configured) with, overridden by the call's own.
    val options = CallOptions.parse(
      call.prettyName,
      text.map(_._2).getOrElse(ModelRegistry.of(session).options(modelName)) ++
        (if (hasOptions) CallOptions.literal(arguments.last) else Map.empty)
    )
    text match {
      case Some((tokenizer, _)) =>
        val column = positional.map(columnName).mkString(", ")
        if (positional.size != 1) {
          throw OnnxErrors.textInputTypeMismatch(
            modelName,
            column,
            positional.map(_.dataType.sql).mkString(", ")
          )
        }
        val textOptions = TextOptions.parse(call.prettyName, options.text, CallOptions.Names)
        val binding = TextBinding.bind(
          modelName,
          model,
          TextModel(tokenizer, textOptions),
          column,
          positional.head.dataType,
          options.outputs,
          textOptions.sortByLength
        )
        return OnnxPredict(
          binding,
          positional,
          call.failOnError,
          SessionOptions.of(session),
          options.batchSize
        )
      case None =>
        options.text.headOption.foreach { case (key, value) =>
          throw OnnxErrors.invalidOption(
            call.prettyName,
            key,
            value,
            s"only a text model (registered with a tokenizer) takes it",
            CallOptions.Names
          )
        }
    }
    val binding = ModelBinding.bind(
      modelName,
      model,
      inputs.map(e => ModelBinding.Argument(columnName(e), e.dataType, e.foldable)),
      options.outputs,
      options.wholeCall
    )
    // A constant's value is known now: a wrong shape fails analysis, not every run.
    inputs.indices.filter(binding.isConstant).foreach { i =>
      binding.checkConstant(i, inputs(i).eval())
    }
    OnnxPredict(binding, inputs, call.failOnError, SessionOptions.of(session), options.batchSize)
  }

  /**
   * The struct's fields as the model's inputs, in input order; the fields must be exactly the
   * inputs, so a misspelt name is an error rather than a silently shifted column.
   */
  private def fieldsByName(
      modelName: String,
      model: OnnxModel,
      struct: Expression
  ): Seq[Expression] = {
    val fields = struct.dataType.asInstanceOf[StructType].fieldNames.toSeq
    val inputs = model.signature.inputs
    val missing = inputs.map(_.name).filterNot(fields.contains)
    val extra = fields.filterNot(name => inputs.exists(_.name == name))
    if (missing.nonEmpty || extra.nonEmpty) {
      throw OnnxErrors.inputFieldsMismatch(modelName, inputs, columnName(struct), missing, extra)
    }
    struct match {
      // named_struct(...) written in the call: its own expressions, so a literal field is
      // still a constant (an input without a batch axis can take it).
      case built: CreateNamedStruct =>
        val byName = built.names.map(_.toString).zip(built.valExprs).toMap
        inputs.map(input => byName(input.name))
      case _ =>
        inputs.map { input =>
          GetStructField(struct, fields.indexOf(input.name), Some(input.name))
        }
    }
  }

  /** The column as Spark would name it in a projection: no qualifiers, no expression ids. */
  private def columnName(expression: Expression): String = toPrettySQL(expression)
}
