package sparkonnx.model

import java.io.{FileNotFoundException, IOException}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.{FileSystem, Path}
import org.apache.spark.internal.Logging

import sparkonnx.errors.OnnxErrors
import sparkonnx.text.TokenizerFile

/**
 * Reads models and checks what can be checked without running them: the file (through Hadoop's file
 * systems: local paths, `file:`, `hdfs:`, `s3a:`...), its protobuf signature, and its external data
 * paths. Opens no ONNX Runtime session.
 */
object ModelLoader extends Logging {

  private val MaxModelBytes: Long = Int.MaxValue - 8L

  /**
   * What an error says of bytes that are not a model, whatever they hold: a parser's own message (a
   * field number, a length) would echo bits of a file a session had no right to read.
   */
  val NotAModel = "the file does not parse as an ONNX model (a ModelProto with an IR version " +
    "and a graph with outputs)"

  /**
   * The model at `path`, registered as `name`; a missing or invalid file is an error, and so is a
   * scheme that fetches from a server unless a static setting allows it.
   */
  def load(name: String, path: String, hadoopConf: Configuration): OnnxModel = {
    val (bytes, localFile) = read(name, path, hadoopConf)
    fromBytes(name, path, bytes, localFile)
  }

  /**
   * The tokenizer.json at `path`, for the text model `name`: read like a model file (same schemes,
   * same size limit), and checked by building the tokenizer (`ONNX_INVALID_TOKENIZER`).
   */
  def loadTokenizer(name: String, path: String, hadoopConf: Configuration): TokenizerFile = {
    val (bytes, _) = read(name, path, hadoopConf)
    TokenizerFile(bytes, path, OnnxModel.sha256Hex(bytes), name)
  }

  /** The bytes of the file at `path` and its local path, if local; missing or bad: an error. */
  private def read(
      name: String,
      path: String,
      hadoopConf: Configuration
  ): (Array[Byte], Option[String]) = {
    ModelSources.checkScheme(name, path)
    try {
      val hadoopPath = new Path(path)
      val fs = hadoopPath.getFileSystem(hadoopConf)
      val status = fs.getFileStatus(hadoopPath)
      if (status.isDirectory) {
        throw OnnxErrors.modelFileNotFound(name, path, "it is a directory, not a model file")
      }
      // A protobuf model is under 2 GiB; reading no more than the file's length also stops a
      // device such as /dev/zero (length 0, endless) from filling the driver's heap.
      if (status.getLen > MaxModelBytes) {
        throw OnnxErrors.modelFileNotFound(
          name,
          path,
          "larger than 2 GiB, the most an ONNX " +
            "model file can be (weights beyond it belong in external data)"
        )
      }
      val in = fs.open(hadoopPath)
      val read =
        try {
          val read = in.readNBytes(status.getLen.toInt)
          if (in.read() != -1) {
            throw OnnxErrors.modelFileNotFound(name, path, "not a regular file")
          }
          read
        } finally in.close()
      (read, localPath(fs, hadoopPath))
    } catch {
      case _: FileNotFoundException => throw OnnxErrors.modelFileNotFound(name, path, "not found")
      case e: IOException =>
        throw OnnxErrors.modelFileNotFound(
          name,
          path,
          Option(e.getMessage).getOrElse(e.getClass.getSimpleName)
        )
      case e: IllegalArgumentException =>
        throw OnnxErrors.modelFileNotFound(name, path, e.getMessage)
    }
  }

  /** The local file `path` names, when `fs` is the local file system (external data needs it). */
  private def localPath(fs: FileSystem, path: Path): Option[String] =
    if (fs.getUri.getScheme != "file") None
    else Some(java.nio.file.Paths.get(fs.makeQualified(path).toUri).toString)

  /**
   * The model in `bytes` (read from the local file `localFile`, if it was), with its signature
   * checked; a model with external data is checked by [[ExternalData]] and opened from its real
   * path, and refused without a local file. Every failure is a condition (`ONNX_INVALID_MODEL`,
   * `ONNX_UNSAFE_EXTERNAL_DATA`, `ONNX_MODEL_FILE_NOT_FOUND`).
   */
  def fromBytes(
      name: String,
      source: String,
      bytes: Array[Byte],
      localFile: Option[String] = None
  ): OnnxModel = {
    val parsed =
      try OnnxModel.parse(bytes, source)
      catch {
        // Rules this reader enforces on a model's structure: safe to say.
        case e: ModelLimitExceeded =>
          throw OnnxErrors.invalidModel(name, source, e.getMessage, null)
        case NonFatal(e) =>
          // The parser's reason goes to the driver's log only, never to the caller.
          logWarning(s"ONNX model '$name' ($source) does not parse: ${e.getMessage}")
          throw OnnxErrors.invalidModel(name, source, NotAModel, null)
        case e: StackOverflowError => // the reader is depth-limited; kept as a last guard
          throw OnnxErrors.invalidModel(name, source, "its types are nested too deeply", null)
      }
    if (parsed.signature.externalData.isEmpty) parsed
    else {
      val checked =
        try ExternalData.check(name, source, localFile, parsed)
        catch {
          case e: IOException => throw OnnxErrors.modelFileNotFound(name, source, e.toString)
        }
      OnnxModel.withExternalData(parsed, checked.file, checked.sizeBytes)
    }
  }
}

/**
 * A rule the model reader enforces on a model's structure (nesting depth, an external tensor
 * without a location): its message states the rule, so it is safe to repeat to the caller.
 */
private[model] class ModelLimitExceeded(reason: String) extends IllegalArgumentException(reason)
