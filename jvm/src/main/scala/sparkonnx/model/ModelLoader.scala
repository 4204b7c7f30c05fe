package sparkonnx.model

import java.io.{FileNotFoundException, IOException}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.apache.spark.internal.Logging

import sparkonnx.errors.OnnxErrors

/**
 * Reads models and checks what can be checked without running them: the file (through
 * Hadoop's file systems: local paths, `file:`, `hdfs:`, `s3a:`...), its protobuf signature,
 * and its external data paths. Opens no ONNX Runtime session.
 */
object ModelLoader extends Logging {

  /**
   * What an error says of bytes that are not a model, whatever they hold: a parser's own message
   * (a field number, a length) would echo bits of a file a session had no right to read.
   */
  private val MaxModelBytes: Long = Int.MaxValue - 8L

  val NotAModel = "the file does not parse as an ONNX model (a ModelProto with an IR version " +
    "and a graph with outputs)"

  /**
   * The model at `path`, registered as `name`; a missing or invalid file is an error, and so is
   * a scheme that fetches from a server unless a static setting allows it.
   */
  def load(name: String, path: String, hadoopConf: Configuration): OnnxModel = {
    ModelSources.checkScheme(name, path)
    val bytes = try {
      val hadoopPath = new Path(path)
      val fs = hadoopPath.getFileSystem(hadoopConf)
      val status = fs.getFileStatus(hadoopPath)
      if (status.isDirectory) {
        throw OnnxErrors.modelFileNotFound(name, path, "it is a directory, not a model file")
      }
      // A protobuf model is under 2 GiB; reading no more than the file's length also stops a
      // device such as /dev/zero (length 0, endless) from filling the driver's heap.
      if (status.getLen > MaxModelBytes) {
        throw OnnxErrors.modelFileNotFound(name, path, "larger than 2 GiB, the most an ONNX " +
          "model file can be (weights beyond it belong in external data)")
      }
      val in = fs.open(hadoopPath)
      try {
        val read = in.readNBytes(status.getLen.toInt)
        if (in.read() != -1) {
          throw OnnxErrors.modelFileNotFound(name, path, "not a regular file")
        }
        read
      } finally in.close()
    } catch {
      case _: FileNotFoundException => throw OnnxErrors.modelFileNotFound(name, path, "not found")
      case e: IOException => throw OnnxErrors.modelFileNotFound(name, path,
        Option(e.getMessage).getOrElse(e.getClass.getSimpleName))
      case e: IllegalArgumentException =>
        throw OnnxErrors.modelFileNotFound(name, path, e.getMessage)
    }
    fromBytes(name, path, bytes, Some(path))
  }

  /** The model in `bytes` (read from `path`, if it was), with its signature checked. */
  def fromBytes(
      name: String,
      source: String,
      bytes: Array[Byte],
      path: Option[String] = None): OnnxModel = {
    val parsed = try OnnxModel.fromBytes(bytes, source) catch {
      case NonFatal(e) =>
        // The parser's reason goes to the driver's log only, never to the caller.
        logWarning(s"ONNX model '$name' ($source) does not parse: ${e.getMessage}")
        throw OnnxErrors.invalidModel(name, source, NotAModel, null)
      case e: StackOverflowError =>
        throw OnnxErrors.invalidModel(name, source, "its types are nested too deeply", e)
    }
    if (parsed.signature.externalData.isEmpty) parsed
    else {
      val file = ExternalData.check(name, source, path, parsed)
      OnnxModel.withExternalData(parsed, file, ExternalData.sizeBytes(file, parsed))
    }
  }
}
