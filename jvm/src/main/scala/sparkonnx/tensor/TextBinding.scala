package sparkonnx.tensor

import org.apache.spark.sql.types.{ArrayType, DataType, FloatType, NullType, StringType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, ModelBytesSource, OnnxModel, TensorSpec}
import sparkonnx.runtime.SessionOptions
import sparkonnx.text.{Pooling, TextModel}

/**
 * A text model (an encoder and its tokenizer) bound to one string column: each text is tokenized, a
 * run's texts are padded to their own longest, and the chosen output becomes one value per text:
 *   - a per-token output `[batch, tokens, dim]` pooled (`mean`, `cls`) to `array<float>` of dim, or
 *     with pooling `none` kept per token, `array<array<float>>` (the text's own tokens only);
 *   - a per-text output `[batch, k]` (a classifier's logits, a pooler output) as `array<float>`.
 * `normalize` divides each vector by its L2 norm. Pure, like [[ModelBinding]].
 */
final class TextBinding private (
    val modelName: String,
    val model: OnnxModel,
    val text: TextModel,
    val output: TensorSpec,
    private[tensor] val feeds: Seq[TextBinding.Feed],
    val perToken: Boolean,
    val sortByLength: Boolean
) extends CallBinding {

  override val dataType: DataType =
    if (perToken && text.options.pooling == Pooling.NoPooling) {
      ArrayType(ArrayType(FloatType, containsNull = false), containsNull = false)
    } else ArrayType(FloatType, containsNull = false)

  override def isConstant(i: Int): Boolean = false
  override def wholeCall: Boolean = false
  override def fixedBatchSize: Option[Int] = None
  override def inputBytesPerRow: Option[Long] = None

  override def open(
      source: ModelBytesSource,
      options: SessionOptions,
      constants: Array[Any]
  ): Scorer = TextScorer.open(this, source, options)

  override def equals(other: Any): Boolean = other match {
    case that: TextBinding =>
      modelName == that.modelName && model == that.model && text == that.text &&
      output == that.output && sortByLength == that.sortByLength
    case _ => false
  }

  override def hashCode: Int = (modelName, model, text, output.name).hashCode

  override def toString: String = modelName
}

object TextBinding {

  /** What a model input takes from a text's tokens. */
  sealed trait Tokens extends Serializable
  case object Ids extends Tokens
  case object AttentionMask extends Tokens
  case object TypeIds extends Tokens

  /** One model input: its name, element type (int64 or int32) and what feeds it. */
  final case class Feed(input: String, elementType: ElementType, tokens: Tokens)

  /** A text column's type: STRING, or NULL (an untyped NULL literal: every row null). */
  def isText(dataType: DataType): Boolean = dataType == StringType || dataType == NullType

  private val InputNames: Map[String, Tokens] =
    Map("input_ids" -> Ids, "attention_mask" -> AttentionMask, "token_type_ids" -> TypeIds)

  /**
   * Binds `model` and its tokenizer to a string column `column` of type `columnType`, fetching
   * `outputs` (one name; the model's first output when empty). The model must take `input_ids` (and
   * may take `attention_mask`, `token_type_ids`) as int64 or int32 `[batch, tokens]`, and give
   * float `[batch, tokens, dim]` or `[batch, k]`: anything else is an analysis error.
   */
  def bind(
      modelName: String,
      model: OnnxModel,
      text: TextModel,
      column: String,
      columnType: DataType,
      outputs: Seq[String],
      sortByLength: Boolean
  ): TextBinding = {
    def mismatch(reason: String) = OnnxErrors.notATextModel(modelName, reason)
    val inputs = model.signature.inputs
    if (!isText(columnType)) {
      throw OnnxErrors.textInputTypeMismatch(modelName, column, columnType.sql)
    }
    val feeds = inputs.map { spec =>
      val tokens = InputNames.getOrElse(
        spec.name,
        throw mismatch(
          s"input '${spec.name}' is none of ${InputNames.keys.toSeq.sorted.mkString(", ")}"
        )
      )
      if (spec.elementType != ElementType.Int64 && spec.elementType != ElementType.Int32) {
        throw mismatch(s"input '${spec.name}' is ${spec.typeString}, not int64 or int32")
      }
      if (spec.shapeKnown && (spec.rank != 2 || spec.shape.exists(_ >= 0))) {
        throw mismatch(s"input '${spec.name}' is ${spec.typeString}, not [batch, tokens]")
      }
      Feed(spec.name, spec.elementType, tokens)
    }
    if (!feeds.exists(_.tokens == Ids)) throw mismatch("it takes no input_ids")
    val all = model.signature.outputs
    val output = outputs match {
      case Seq() => all.head
      case Seq(name) =>
        all
          .find(_.name == name)
          .getOrElse(throw OnnxErrors.unknownOutput(modelName, name, all.map(_.name)))
      case several =>
        throw mismatch(s"a text call returns one output, not ${several.mkString(", ")}")
    }
    if (!output.isTensor || output.elementType != ElementType.Float) {
      throw mismatch(s"output '${output.name}' is ${output.typeString}, not float")
    }
    val perToken = output.shapeKnown && output.rank == 3 && output.shape(2) > 0
    val perText = output.shapeKnown && output.rank == 2 && output.shape(1) > 0
    if (!perToken && !perText) {
      throw mismatch(
        s"output '${output.name}' is ${output.typeString}: a text call needs " +
          "[batch, tokens, dim] or [batch, k] with dim and k fixed"
      )
    }
    new TextBinding(modelName, model, text, output, feeds, perToken, sortByLength)
  }
}
