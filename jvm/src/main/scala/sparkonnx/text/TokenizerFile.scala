package sparkonnx.text

import com.google.gson.JsonParser

import sparkonnx.errors.OnnxErrors

/**
 * A `tokenizer.json` (Hugging Face `tokenizers` format) as Spark carries it: its bytes, their
 * SHA-256 (the identity executors cache the tokenizer by), where it was read from, and the id its
 * padding uses. Small (a few MB at most), so it travels inside the plan.
 */
final class TokenizerFile(val bytes: Array[Byte], val sha256: String, val source: String)
    extends Serializable {

  /** The id padded positions get: the file's padding `pad_id`, else 0 (BERT's [PAD]). */
  lazy val padId: Long = {
    val root = JsonParser.parseString(new String(bytes, "UTF-8")).getAsJsonObject
    Option(root.get("padding"))
      .filter(_.isJsonObject)
      .flatMap(p => Option(p.getAsJsonObject.get("pad_id")))
      .map(_.getAsLong)
      .getOrElse(0L)
  }

  override def equals(other: Any): Boolean = other match {
    case that: TokenizerFile => sha256 == that.sha256
    case _ => false
  }

  override def hashCode: Int = sha256.hashCode

  override def toString: String = s"TokenizerFile($source, sha256=${sha256.take(12)})"
}

object TokenizerFile {

  /**
   * Model `model`'s tokenizer in `bytes`, checked by building it here (DJL's Rust library parses
   * the file): `ONNX_INVALID_TOKENIZER` with the reason when it is not a tokenizer.json, or when
   * the tokenizers native library does not load on this platform.
   */
  def apply(bytes: Array[Byte], source: String, sha256: String, model: String): TokenizerFile = {
    val file = new TokenizerFile(bytes, sha256, source)
    try {
      Tokenizers.of(file, TextOptions.DefaultMaxLength)
      file.padId
    } catch {
      case e: Exception =>
        throw OnnxErrors.invalidTokenizer(
          model,
          source,
          Option(e.getMessage).getOrElse(e.getClass.getSimpleName)
        )
      case e: LinkageError =>
        throw OnnxErrors.invalidTokenizer(
          model,
          source,
          s"the tokenizers native library does not load on this platform (${e.getMessage})"
        )
    }
    file
  }
}
