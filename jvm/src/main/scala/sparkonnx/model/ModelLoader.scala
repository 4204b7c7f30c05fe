package sparkonnx.model

import java.io.{FileNotFoundException, IOException}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.{FileSystem, Path}

import sparkonnx.errors.OnnxErrors

/**
 * Reads models and checks what can be checked without running them: the file (through
 * Hadoop's file systems: local paths, `file:`, `hdfs:`, `s3a:`...), its protobuf signature,
 * and its external data paths. Opens no ONNX Runtime session.
 */
object ModelLoader {

  /** The model at `path`, registered as `name`; a missing or invalid file is an error. */
  def load(name: String, path: String, hadoopConf: Configuration): OnnxModel = {
    val (bytes, localFile) = try {
      val hadoopPath = new Path(path)
      val fs = hadoopPath.getFileSystem(hadoopConf)
      if (fs.getFileStatus(hadoopPath).isDirectory) {
        throw OnnxErrors.modelFileNotFound(name, path, "it is a directory, not a model file")
      }
      val in = fs.open(hadoopPath)
      (try in.readAllBytes() finally in.close(), localPath(fs, hadoopPath))
    } catch {
      case _: FileNotFoundException => throw OnnxErrors.modelFileNotFound(name, path, "not found")
      case e: IOException => throw OnnxErrors.modelFileNotFound(name, path, e.toString)
      case e: IllegalArgumentException =>
        throw OnnxErrors.modelFileNotFound(name, path, e.getMessage)
    }
    fromBytes(name, path, bytes, localFile)
  }

  /** The local file `path` names, when `fs` is the local file system (external data needs it). */
  private def localPath(fs: FileSystem, path: Path): Option[String] =
    if (fs.getUri.getScheme != "file") None
    else Some(java.nio.file.Paths.get(fs.makeQualified(path).toUri).toString)

  /**
   * The model in `bytes` (read from the local file `localFile`, if it was), with its signature
   * checked; a model with external data is checked by [[ExternalData]] and opened from its
   * real path, and refused without a local file. Every failure is a condition
   * (`ONNX_INVALID_MODEL`, `ONNX_UNSAFE_EXTERNAL_DATA`, `ONNX_MODEL_FILE_NOT_FOUND`).
   */
  def fromBytes(
      name: String,
      source: String,
      bytes: Array[Byte],
      localFile: Option[String] = None): OnnxModel = {
    val parsed = try OnnxModel.parse(bytes, source) catch {
      case NonFatal(e) => throw OnnxErrors.invalidModel(name, source, e.getMessage, e)
      case e: StackOverflowError => // the reader is depth-limited; kept as a last guard
        throw OnnxErrors.invalidModel(name, source, "its types are nested too deeply", e)
    }
    if (parsed.signature.externalData.isEmpty) parsed
    else {
      val checked = try ExternalData.check(name, source, localFile, parsed) catch {
        case e: IOException => throw OnnxErrors.modelFileNotFound(name, source, e.toString)
      }
      OnnxModel.withExternalData(parsed, checked.file, checked.sizeBytes)
    }
  }
}
