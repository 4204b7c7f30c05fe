package sparkonnx.text

import java.io.ByteArrayInputStream
import java.nio.file.{Files, Path}
import java.util.concurrent.ConcurrentHashMap

import scala.jdk.CollectionConverters._

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer

/**
 * This JVM's Hugging Face tokenizers (the Rust `tokenizers` library through DJL's JNI binding), one
 * per tokenizer file and maximum length, shared by all task threads: encoding reads the tokenizer
 * and never changes it. Padding is off (a batch is padded to its own longest text by the caller);
 * truncation keeps the first `maxLength` tokens, special tokens included, as Python's
 * `enable_truncation(max_length)` does.
 */
object Tokenizers {

  private val cache = new ConcurrentHashMap[(String, Int), HuggingFaceTokenizer]()

  /** The tokenizer of `file` truncating to `maxLength`, made once per JVM. */
  def of(file: TokenizerFile, maxLength: Int): HuggingFaceTokenizer =
    cache.computeIfAbsent(
      (file.sha256, maxLength),
      _ => {
        NativeLibraryFolder.ensure()
        val options = Map(
          "addSpecialTokens" -> "true",
          "padding" -> "false",
          "truncation" -> "true",
          "maxLength" -> maxLength.toString,
          "modelMaxLength" -> maxLength.toString
        ).asJava
        HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(file.bytes), options)
      }
    )

  /** `text` as token ids, attention mask and token type ids (`maxLength` at most). */
  def encode(file: TokenizerFile, maxLength: Int, text: String): Encoded = {
    val encoding = of(file, maxLength).encode(text)
    Encoded(encoding.getIds, encoding.getAttentionMask, encoding.getTypeIds)
  }
}

/** One text's tokens: ids, attention mask and token type ids, all of one length. */
final case class Encoded(ids: Array[Long], attentionMask: Array[Long], typeIds: Array[Long]) {
  def length: Int = ids.length
}

/**
 * Where DJL unpacks the tokenizers' native library: unless the user set `DJL_CACHE_DIR` (system
 * property or environment), a folder of this JVM's own under the temporary directory (an executor's
 * is inside its Spark local dir), never the user's home, which an executor may not own or share
 * with other applications.
 */
private object NativeLibraryFolder {
  private val Key = "DJL_CACHE_DIR"

  lazy val folder: Path = Option(System.getProperty(Key))
    .orElse(Option(System.getenv(Key)))
    .map(Path.of(_))
    .getOrElse {
      val made = Files.createTempDirectory("spark-onnx-tokenizers")
      System.setProperty(Key, made.toString)
      // The unpacked library goes with the JVM (a Linux process may delete a loaded .so).
      sys.addShutdownHook {
        val files = Files.walk(made)
        try files.sorted(java.util.Comparator.reverseOrder()).forEach(f => Files.deleteIfExists(f))
        finally files.close()
      }
      made
    }

  def ensure(): Unit = folder
}
