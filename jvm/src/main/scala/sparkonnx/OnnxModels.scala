package sparkonnx

import org.apache.spark.sql.SparkSession

import sparkonnx.model.OnnxModel
import sparkonnx.sql.functions.ModelCatalog

/**
 * Registers ONNX models with a SparkSession, from Scala or Java. A registered model is callable as
 * `onnx_predict('<name>', ...)` in that session's SQL and DataFrames.
 * {{{
 *   sparkonnx.OnnxModels.register(spark, "digits", "models/digits.onnx")
 *   spark.sql("SELECT onnx_predict('digits', pixels) FROM images")
 * }}}
 * Models can also be registered by configuration alone, `spark.onnx.model.<name>=<path>`, which
 * SQL-only and Spark Connect clients can set. Paths are read with the Spark process's own
 * permissions, through Hadoop's file systems (local paths, `file:`, `hdfs:`, `s3a:`, ...).
 * Registration checks the file on the driver: a missing or invalid model fails here.
 */
object OnnxModels {

  /** Reads, checks and registers the model at `path` as `name`; returns it. */
  def register(spark: SparkSession, name: String, path: String): OnnxModel =
    ModelCatalog.register(spark, name, path)

  /** Checks and registers a model given as bytes (e.g. built in memory) as `name`. */
  def register(spark: SparkSession, name: String, bytes: Array[Byte]): OnnxModel =
    ModelCatalog.register(spark, name, bytes)

  /**
   * Registers the model at `path` with default call options (`batchSize`, `outputs`, `wholeCall`)
   * that its calls use unless they pass their own; `replace` lets it take a name a different model
   * holds. Java-friendly; checks the options now.
   */
  def registerWithOptions(
      spark: SparkSession,
      name: String,
      path: String,
      options: java.util.Map[String, String],
      replace: Boolean
  ): OnnxModel =
    ModelCatalog.registerWithOptions(spark, name, path, options, replace)

  /** [[registerWithOptions]] for a model given as bytes. */
  def registerWithOptions(
      spark: SparkSession,
      name: String,
      bytes: Array[Byte],
      options: java.util.Map[String, String],
      replace: Boolean
  ): OnnxModel =
    ModelCatalog.registerWithOptions(spark, name, bytes, options, replace)

  /**
   * Adds a temporary SQL function named like the model, so `digits(pixels)` means
   * `onnx_predict('digits', pixels)` in this session. A built-in function's name is refused.
   */
  def registerFunction(spark: SparkSession, name: String): Unit =
    ModelCatalog.registerFunction(spark, name)

  /** Forgets a model registered with `register`, and its SQL function; true if there was one. */
  def unregister(spark: SparkSession, name: String): Boolean = ModelCatalog.unregister(spark, name)

  /** The call options `name` was registered with. */
  def callOptions(spark: SparkSession, name: String): Map[String, String] =
    ModelCatalog.callOptions(spark, name)

  /** Names of the models this session can use: registered ones and configured ones. */
  def registered(spark: SparkSession): Seq[String] = ModelCatalog.registered(spark)

  /** Java-friendly [[registered]]. */
  def registeredNames(spark: SparkSession): java.util.List[String] =
    ModelCatalog.registeredNames(spark)

  /** The signature of the model registered as `name`, as JSON (inputs, outputs, opsets...). */
  def describe(spark: SparkSession, name: String): String = ModelCatalog.describe(spark, name)

  /** The model registered as `name`; throws `ONNX_MODEL_NOT_FOUND` if there is none. */
  def lookup(spark: SparkSession, name: String): OnnxModel = ModelCatalog.lookup(spark, name)
}
