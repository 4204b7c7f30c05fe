package sparkonnx.ml

import org.apache.hadoop.fs.Path
import org.apache.spark.ml.param.{ParamMap, Params}
import org.apache.spark.ml.sparkonnx.MLPersistence
import org.apache.spark.ml.util.{MLReader, MLWriter}

/**
 * Saves a model-holding stage as Spark saves its own stages (Params in `metadata/`) plus the model
 * bytes in `model.onnx`, so the saved stage runs anywhere with nothing registered. The saved Params
 * say so: `modelPath` is `model.onnx` (relative to the stage's directory) and `modelName` is empty,
 * whichever the stage used; a loaded stage holds that file by its full URI.
 */
private[ml] object StagePersistence {
  private val ModelFile = "model.onnx"

  final class Writer(stage: Params with ModelHolder) extends MLWriter {
    override protected def saveImpl(path: String): Unit = {
      val bytes = stage.modelToSave(sparkSession).bytes
      val saved = stage.copy(ParamMap(stage.modelName -> "", stage.modelPath -> ModelFile))
      MLPersistence.saveMetadata(saved, path, sparkSession)
      val file = new Path(path, ModelFile)
      val out = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration).create(file)
      try out.write(bytes)
      finally out.close()
    }
  }

  final class Reader[T <: Params with ModelHolder](className: String, make: String => T)
      extends MLReader[T] {
    override def load(path: String): T = {
      val stage = MLPersistence.loadParams(path, sparkSession, className, make)
      val file = new Path(path, ModelFile)
      val fs = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration)
      stage.setModelPath(fs.makeQualified(file).toString)
    }
  }
}
