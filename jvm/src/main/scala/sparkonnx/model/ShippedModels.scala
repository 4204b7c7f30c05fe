package sparkonnx.model

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path

import sparkonnx.conf.OnnxConf

/**
 * Models callable by name without registration: `<folder>/<name>.onnx` in the folders of the static
 * `spark.onnx.zoo.dirs` (the pretrained zoo and the sample models the Python wheels ship;
 * `spark_onnx.configure` sets it). Whoever starts Spark chooses the folders, so their models are
 * trusted as models configured at start-up are; a name is only ever a file name in them, never a
 * path (no `/`, no `..`).
 */
object ShippedModels {

  private val FileName = "[A-Za-z0-9_][A-Za-z0-9_.-]*".r

  /** The file that holds the shipped model `name`, if one of the folders has it. */
  def path(name: String, hadoopConf: Configuration): Option[String] = {
    val folders = OnnxConf.ZOO_DIRS.startupValue
    if (folders.isEmpty || !FileName.matches(name) || name.contains("..")) None
    else {
      val spellings = Seq(name, name.toLowerCase(java.util.Locale.ROOT)).distinct
      folders.iterator
        .flatMap(folder => spellings.map(n => new Path(folder, s"$n.onnx")))
        .find(isFile(_, hadoopConf))
        .map(_.toString)
    }
  }

  private def isFile(file: Path, hadoopConf: Configuration): Boolean =
    try file.getFileSystem(hadoopConf).getFileStatus(file).isFile
    catch {
      case NonFatal(_) => false
    }
}
