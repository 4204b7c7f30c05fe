package sparkonnx.ml

import org.apache.hadoop.fs.Path
import org.apache.spark.ml.param.Params
import org.apache.spark.ml.sparkonnx.MLPersistence
import org.apache.spark.ml.util.{MLReader, MLWriter}

/**
 * Saves a model-holding stage as Spark saves its own stages (Params in `metadata/`) plus the
 * model bytes in `model.onnx`, so the saved stage runs anywhere with nothing registered.
 */
private[ml] object StagePersistence {
  private val ModelFile = "model.onnx"

  final class Writer(stage: Params with ModelHolder) extends MLWriter {
    override protected def saveImpl(path: String): Unit = {
      MLPersistence.saveMetadata(stage, path, sparkSession)
      val bytes = stage.modelToSave(sparkSession).bytes
      val file = new Path(path, ModelFile)
      val out = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration).create(file)
      try out.write(bytes) finally out.close()
    }
  }

  final class Reader[T <: Params with ModelHolder](className: String, make: String => T)
    extends MLReader[T] {
    override def load(path: String): T = {
      val stage = MLPersistence.loadParams(path, sparkSession, className, make)
      val file = new Path(path, ModelFile)
      val in = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration).open(file)
      val bytes = try in.readAllBytes() finally in.close()
      stage.setModel(bytes)
    }
  }
}
