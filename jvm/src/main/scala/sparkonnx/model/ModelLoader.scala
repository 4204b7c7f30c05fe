package sparkonnx.model

import java.io.{FileNotFoundException, IOException}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path

import sparkonnx.errors.OnnxErrors

/**
 * Reads models and checks what can be checked without running them: the file (through
 * Hadoop's file systems: local paths, `file:`, `hdfs:`, `s3a:`...), its protobuf signature,
 * and its external data paths. Opens no ONNX Runtime session.
 */
object ModelLoader {

  /** The model at `path`, registered as `name`; a missing or invalid file is an error. */
  def load(name: String, path: String, hadoopConf: Configuration): OnnxModel = {
    val bytes = try {
      val hadoopPath = new Path(path)
      val fs = hadoopPath.getFileSystem(hadoopConf)
      if (fs.getFileStatus(hadoopPath).isDirectory) {
        throw OnnxErrors.modelFileNotFound(name, path, "it is a directory, not a model file")
      }
      val in = fs.open(hadoopPath)
      try in.readAllBytes() finally in.close()
    } catch {
      case _: FileNotFoundException => throw OnnxErrors.modelFileNotFound(name, path, "not found")
      case e: IOException => throw OnnxErrors.modelFileNotFound(name, path, e.toString)
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
      case NonFatal(e) => throw OnnxErrors.invalidModel(name, source, e.getMessage, e)
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
