package sparkonnx.model

import java.nio.file.{Files, InvalidPathException, Path, Paths}

import sparkonnx.errors.OnnxErrors

/**
 * Models whose weights live in external data files: ONNX Runtime opens those files by the
 * paths written in the model, so a crafted model could make it read anything the Spark process
 * can. Every path must be relative and resolve inside the model's own folder.
 */
private[model] object ExternalData {

  /** The model's local file, after checking every external data path it names. */
  def check(name: String, source: String, path: Option[String], model: OnnxModel): String = {
    val file = path.map(localFile).getOrElse(throw OnnxErrors.invalidModel(name, source,
      "a model with external data must be registered from a file path, so its data files " +
        "can be found beside it", null))
    val folder = file.toAbsolutePath.getParent.normalize
    model.signature.externalData.foreach { location =>
      def refuse(reason: String) =
        OnnxErrors.unsafeExternalData(name, location, folder.toString, reason)
      val relative = try Paths.get(location) catch {
        case e: InvalidPathException => throw refuse(e.getMessage)
      }
      if (relative.isAbsolute) throw refuse("an absolute path")
      val target = folder.resolve(relative).normalize
      if (!target.startsWith(folder)) throw refuse("it leaves the folder")
      if (!Files.isRegularFile(target)) {
        throw OnnxErrors.modelFileNotFound(name, target.toString, "external data file missing")
      }
    }
    file.toAbsolutePath.toString
  }

  private def localFile(path: String): Path =
    if (path.startsWith("file:")) Paths.get(java.net.URI.create(path)) else Paths.get(path)

  /** The model file and the data files it names: what its session's memory is budgeted by. */
  def sizeBytes(file: String, model: OnnxModel): Long = {
    val folder = Paths.get(file).toAbsolutePath.getParent.normalize
    Files.size(Paths.get(file)) + model.signature.externalData.distinct.map { location =>
      Files.size(folder.resolve(location).normalize)
    }.sum
  }
}
