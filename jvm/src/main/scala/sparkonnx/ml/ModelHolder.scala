package sparkonnx.ml

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.apache.spark.ml.param.{IntParam, Param, ParamValidators, Params}
import org.apache.spark.sql.SparkSession

import sparkonnx.OnnxModels
import sparkonnx.model.OnnxModel

/**
 * A stage's model: either registered in the session (`modelName`) or held by the stage itself
 * (`setModelPath` / `setModel`), in which case it is registered on use under a name derived
 * from its SHA-256 and saved with the stage.
 */
trait ModelHolder extends Params {

  final val modelName: Param[String] = new Param[String](this, "modelName",
    "name of a model registered in the session; empty to use the model held by the stage")

  final val batchSize: IntParam = new IntParam(this, "batchSize",
    "rows per ONNX Runtime run; 0 for the session's spark.onnx.batchSize",
    ParamValidators.inRange(0, 1 << 20))

  setDefault(modelName -> "", batchSize -> 0)

  def getBatchSize: Int = $(batchSize)

  def setBatchSize(value: Int): this.type = set(batchSize, value)

  private[ml] var heldModel: Option[OnnxModel] = None

  /** The registered model this stage last ran, so saving it later needs no session lookup. */
  @transient private[ml] var lastResolved: Option[OnnxModel] = None

  def getModelName: String = $(modelName)

  /** Uses the model registered as `name` (and drops a model the stage held). */
  def setModelName(name: String): this.type = {
    heldModel = None
    set(modelName, name)
  }

  /** Holds the model at `path` (any Hadoop file system), read now on the driver. */
  def setModelPath(path: String): this.type = {
    // Before any session exists (building a pipeline up front), Hadoop's defaults will do.
    val conf = SparkSession.getActiveSession.orElse(SparkSession.getDefaultSession)
      .map(_.sparkContext.hadoopConfiguration).getOrElse(new Configuration())
    val hadoopPath = new Path(path)
    val in = hadoopPath.getFileSystem(conf).open(hadoopPath)
    val bytes = try in.readAllBytes() finally in.close()
    setModel(bytes)
  }

  /** Holds the model given as bytes. */
  def setModel(bytes: Array[Byte]): this.type = {
    heldModel = Some(OnnxModel.fromBytes(bytes, s"<$uid model>"))
    this
  }

  /** The bytes this stage holds, if it holds a model rather than naming a registered one. */
  def modelBytes: Option[Array[Byte]] = heldModel.map(_.bytes)

  /** The session name of the model: the registered one, or the held one registered by hash. */
  protected def registeredName(spark: SparkSession): String = heldModel match {
    case Some(model) =>
      val name = s"onnx_${model.sha256.take(16)}"
      if (!OnnxModels.registered(spark).contains(name)) {
        OnnxModels.register(spark, name, model.bytes)
      }
      name
    case None if $(modelName).nonEmpty => $(modelName)
    case None => throw new IllegalArgumentException(s"${getClass.getSimpleName} $uid has no " +
      "model: call setModelName, setModelPath or setModel")
  }

  protected def resolvedModel(spark: SparkSession): (String, OnnxModel) = {
    val name = registeredName(spark)
    val model = OnnxModels.lookup(spark, name)
    lastResolved = Some(model)
    (name, model)
  }

  /** The model to save with the stage: held, last run, or registered in `spark`. */
  private[ml] def modelToSave(spark: SparkSession): OnnxModel =
    heldModel.orElse(lastResolved).getOrElse(OnnxModels.lookup(spark, $(modelName)))
}
