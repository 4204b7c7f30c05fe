package sparkonnx.model

import java.security.MessageDigest

/**
 * An ONNX model as Spark sees it: its bytes, their SHA-256 (the model's identity everywhere,
 * including the executors' session cache) and its signature, read once where it is created. The
 * bytes stay on the driver: executors get them through a [[ModelBytesSource]].
 *
 * {{{
 *   val model = OnnxModel.fromBytes(java.nio.file.Files.readAllBytes(path), path.toString)
 *   model.signature.inputs.head   // pixels: float[?,64]
 * }}}
 */
final class OnnxModel private (
    @transient val bytes: Array[Byte],
    val sha256: String,
    val signature: ModelSignature,
    val source: String,
    val localFile: Option[String] = None,
    externalSizeBytes: Long = -1L
) extends Serializable {

  /** The bytes a session of the model budgets for: its files, data files included. */
  val sizeBytes: Long = if (externalSizeBytes >= 0) externalSizeBytes else bytes.length.toLong

  /** The size of the model file itself (its external data files not counted). */
  val fileBytes: Long = bytes.length.toLong

  /**
   * The model's identity for session caching: its SHA-256, plus its file for a model whose weights
   * live outside it (the same graph file may point at different weights).
   */
  def identity: String = localFile.map(f => s"$sha256@$f").getOrElse(sha256)

  override def equals(other: Any): Boolean = other match {
    case that: OnnxModel => identity == that.identity
    case _ => false
  }

  override def hashCode: Int = identity.hashCode

  override def toString: String = s"OnnxModel($source, sha256=${sha256.take(12)})"
}

object OnnxModel {

  /**
   * Reads the signature from `bytes`. Throws `IllegalArgumentException` with the reason when the
   * bytes are not an ONNX model, or name external data files (bytes have no folder to find them in:
   * load such a model through [[ModelLoader]] from its file).
   */
  def fromBytes(bytes: Array[Byte], source: String): OnnxModel = {
    val model = parse(bytes, source)
    // Opened from bytes, ONNX Runtime would look for the data files in the working directory.
    if (model.signature.externalData.nonEmpty) {
      throw new IllegalArgumentException(
        "the model keeps tensors in external data files " +
          model.signature.externalData.take(3).mkString("(", ", ", ")") + ": a model with " +
          "external data must be registered from a file path, so its data files can be " +
          "checked and found beside it"
      )
    }
    model
  }

  /** The model in `bytes`, external data or not: [[ModelLoader]] checks it before use. */
  private[model] def parse(bytes: Array[Byte], source: String): OnnxModel = {
    if (bytes.isEmpty) throw new IllegalArgumentException("the model is empty (0 bytes)")
    val signature = SignatureReader.read(bytes)
    val sha256 = sha256Hex(bytes)
    new OnnxModel(SharedModelBytes.intern(sha256, bytes), sha256, signature, source)
  }

  /** A model with external data, opened by ONNX Runtime from `file` (checked by the caller). */
  def withExternalData(model: OnnxModel, file: String, sizeBytes: Long): OnnxModel =
    new OnnxModel(model.bytes, model.sha256, model.signature, model.source, Some(file), sizeBytes)

  def sha256Hex(bytes: Array[Byte]): String =
    MessageDigest.getInstance("SHA-256").digest(bytes).map("%02x".format(_)).mkString
}
