package sparkonnx.ml

import java.io.{FileNotFoundException, IOException}
import java.nio.file.{Files, Path => LocalPath, StandardCopyOption}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.apache.spark.sql.SparkSession

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.OnnxModel

/**
 * The models ML stages hold. A stage's held model is always a path (its `modelPath` Param), so that
 * it survives `copy()`, Python's Param transfer and save/load like any other Param; a model given
 * as bytes is therefore written once to a content-addressed file in a private folder of this JVM's
 * temp directory, deleted when the JVM exits.
 * {{{
 *   val path = HeldModels.stash(bytes)        // file:/tmp/spark-onnx-held-models…/<sha256>.onnx
 *   new OnnxTransformer().setModelPath(path)  // what setModel(bytes) does
 * }}}
 */
object HeldModels {

  private lazy val folder: LocalPath = {
    val dir = Files.createTempDirectory("spark-onnx-held-models")
    sys.addShutdownHook {
      Files.list(dir).forEach(file => Files.deleteIfExists(file))
      Files.deleteIfExists(dir)
    }
    dir
  }

  /**
   * Checks `bytes` are an ONNX model and writes them to `<sha256>.onnx` in the held-models folder
   * (once per model); returns that file's `file:` URI, the value for `modelPath`.
   */
  def stash(bytes: Array[Byte]): String = stash(parse(bytes, "<model bytes>", "<model bytes>"))

  /** `stash` for a model already checked. */

  private[ml] def stash(model: OnnxModel): String = {
    val file = folder.resolve(s"${model.sha256}.onnx")
    if (!Files.exists(file)) {
      // Written aside and moved, so a concurrent stash of the same model never sees half a file.
      val part = Files.createTempFile(folder, model.sha256, ".part")
      Files.write(part, model.bytes)
      Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
    }
    file.toUri.toString
  }

  /**
   * Reads the model at `path` (any Hadoop file system) on the driver, for the stage `owner`; a
   * missing or invalid file raises `ONNX_MODEL_FILE_NOT_FOUND` / `ONNX_INVALID_MODEL`.
   */
  def read(path: String, owner: String): OnnxModel = {
    // Before any session exists (a pipeline built up front), Hadoop's defaults will do.
    val conf = SparkSession.getActiveSession
      .orElse(SparkSession.getDefaultSession)
      .map(_.sparkContext.hadoopConfiguration)
      .getOrElse(new Configuration())
    val bytes =
      try {
        val hadoopPath = new Path(path)
        val in = hadoopPath.getFileSystem(conf).open(hadoopPath)
        try in.readAllBytes()
        finally in.close()
      } catch {
        case _: FileNotFoundException =>
          throw OnnxErrors.modelFileNotFound(owner, path, "not found")
        case e: IOException => throw OnnxErrors.modelFileNotFound(owner, path, e.toString)
        case e: IllegalArgumentException =>
          throw OnnxErrors.modelFileNotFound(owner, path, e.getMessage)
      }
    parse(bytes, owner, path)
  }

  /** The model in `bytes`, checked; `ONNX_INVALID_MODEL` (naming `owner`) otherwise. */
  private[ml] def parse(bytes: Array[Byte], owner: String, source: String): OnnxModel =
    try OnnxModel.fromBytes(bytes, source)
    catch {
      case NonFatal(e) => throw OnnxErrors.invalidModel(owner, source, e.getMessage, e)
    }
}
