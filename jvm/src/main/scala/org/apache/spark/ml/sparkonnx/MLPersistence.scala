package org.apache.spark.ml.sparkonnx

import org.apache.spark.ml.param.Params
import org.apache.spark.ml.util.{DefaultParamsReader, DefaultParamsWriter}
import org.apache.spark.sql.SparkSession

/**
 * The one door into Spark ML's `private[ml]` persistence helpers, so spark-onnx stages save their
 * Params in exactly the layout Spark's own stages use (a `metadata/` folder Python's `JavaMLReader`
 * and `PipelineModel.load` understand). Nothing else lives here.
 */
object MLPersistence {

  def saveMetadata(instance: Params, path: String, spark: SparkSession): Unit =
    DefaultParamsWriter.saveMetadata(instance, path, spark, None, None)

  /**
   * Reads the metadata at `path` (checking it was written for `className`), makes the stage with
   * the saved uid and sets the saved Params on it.
   */
  def loadParams[T <: Params](
      path: String,
      spark: SparkSession,
      className: String,
      make: String => T
  ): T = {
    val metadata = DefaultParamsReader.loadMetadata(path, spark, className)
    val instance = make(metadata.uid)
    metadata.getAndSetParams(instance)
    instance
  }
}
