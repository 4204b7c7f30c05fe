package sparkonnx.text

import sparkonnx.errors.OnnxErrors

/** How a text encoder's per-token output becomes one vector per text. */
sealed abstract class Pooling(val name: String) extends Serializable

object Pooling {

  /** The mean of the token vectors the attention mask keeps (sentence-transformers' default). */
  case object Mean extends Pooling("mean")

  /** The first token's vector ([CLS] for BERT-style tokenizers). */
  case object Cls extends Pooling("cls")

  /** No pooling: a per-token output stays one vector per token. */
  case object NoPooling extends Pooling("none")

  val all: Seq[Pooling] = Seq(Mean, Cls, NoPooling)

  def of(name: String): Option[Pooling] = all.find(_.name == name.trim.toLowerCase)
}

/**
 * What a text model's registration says besides its tokenizer: pooling, L2 normalisation, and the
 * most tokens a text keeps (longer texts are truncated, as `tokenizers` does with
 * `enable_truncation(max_length)`), and whether a task orders each window of texts by length before
 * batching them (results still come back in input order).
 */
final case class TextOptions(
    pooling: Pooling = Pooling.Mean,
    normalize: Boolean = false,
    maxLength: Int = TextOptions.DefaultMaxLength,
    sortByLength: Boolean = true
)

object TextOptions {
  val DefaultMaxLength = 512
  val MaxMaxLength = 1 << 16

  /** The registration options that make a model a text model. */
  val Names: Seq[String] = Seq("tokenizer", "pooling", "normalize", "maxLength", "sortByLength")

  /** Whether registration options name a tokenizer, i.e. describe a text model. */
  def isText(options: Map[String, String]): Boolean = options.contains("tokenizer")

  /**
   * The text options among `options` (others are ignored: call options); `function` and `allNames`
   * are for the error a bad value gets.
   */
  def parse(function: String, options: Map[String, String], allNames: Seq[String]): TextOptions =
    options.toSeq.sorted.foldLeft(TextOptions()) { case (parsed, (key, value)) =>
      def invalid(reason: String) = OnnxErrors.invalidOption(function, key, value, reason, allNames)
      key match {
        case "pooling" =>
          val pooling = Pooling
            .of(value)
            .getOrElse(throw invalid(Pooling.all.map(_.name).mkString("must be one of ", ", ", "")))
          parsed.copy(pooling = pooling)
        case "normalize" =>
          parsed.copy(normalize = flag(value).getOrElse(throw invalid("must be true or false")))
        case "sortByLength" =>
          parsed.copy(sortByLength = flag(value).getOrElse(throw invalid("must be true or false")))
        case "maxLength" =>
          val length = value.trim.toIntOption
            .filter(v => v >= 1 && v <= MaxMaxLength)
            .getOrElse(throw invalid(s"must be an integer in [1, $MaxMaxLength]"))
          parsed.copy(maxLength = length)
        case _ => parsed
      }
    }

  private def flag(value: String): Option[Boolean] = value.trim.toLowerCase match {
    case "true" => Some(true)
    case "false" => Some(false)
    case _ => None
  }
}
