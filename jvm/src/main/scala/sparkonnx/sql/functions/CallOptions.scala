package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.util.MapData
import org.apache.spark.sql.types.{MapType, StringType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.conf.OnnxConf
import sparkonnx.text.TextOptions

/**
 * Options of one call, given as a trailing constant `map<string,string>`: `onnx_predict('m', x,
 * map('batchSize', '64', 'outputs', 'probabilities'))`. A text model's calls also take its text
 * options (`pooling`, `normalize`, `maxLength`, `sortByLength`), kept in `text`.
 */
final case class CallOptions(
    batchSize: Option[Int] = None,
    outputs: Seq[String] = Nil,
    wholeCall: Boolean = false,
    text: Map[String, String] = Map.empty
)

object CallOptions {

  /** Options of every call; a text model's calls also take [[TextOptions.Names]] (checked). */
  val Names: Seq[String] =
    Seq("batchSize", "outputs", "wholeCall") ++ TextOptions.Names.filterNot(_ == "tokenizer")

  /** True for an argument that can only be options: a constant string-to-string map. */
  def isOptions(argument: Expression): Boolean = argument.foldable && (argument.dataType match {
    case MapType(StringType, StringType, _) => true
    case _ => false
  })

  /** The options in a constant map argument. */
  def literal(argument: Expression): Map[String, String] = {
    val map = argument.eval().asInstanceOf[MapData]
    val keys = map.keyArray()
    val values = map.valueArray()
    (0 until map.numElements()).map { i =>
      keys.getUTF8String(i).toString ->
        (if (values.isNullAt(i)) "null" else values.getUTF8String(i).toString)
    }.toMap
  }

  /** Checks and reads `options`; `function` names the call or registration for errors. */
  def parse(function: String, options: Map[String, String]): CallOptions =
    options.toSeq.sorted.foldLeft(CallOptions()) { case (parsed, (key, value)) =>
      def invalid(reason: String) =
        OnnxErrors.invalidOption(function, key, value, reason, Names)
      key match {
        case "batchSize" =>
          val size = value.trim.toIntOption
            .filter(v => v >= 1 && v <= OnnxConf.MaxBatchSize)
            .getOrElse(throw invalid(s"must be an integer in [1, ${OnnxConf.MaxBatchSize}]"))
          parsed.copy(batchSize = Some(size))
        case "outputs" =>
          val names = value.split(",").map(_.trim).filter(_.nonEmpty).toSeq
          if (names.isEmpty) throw invalid("must name at least one output")
          parsed.copy(outputs = names)
        case "wholeCall" =>
          value.trim.toLowerCase match {
            case "true" => parsed.copy(wholeCall = true)
            case "false" => parsed.copy(wholeCall = false)
            case _ => throw invalid("must be true or false")
          }
        case text if Names.contains(text) =>
          TextOptions.parse(function, Map(key -> value), Names)
          parsed.copy(text = parsed.text + (key -> value))
        case _ => throw invalid("unknown option")
      }
    }
}
