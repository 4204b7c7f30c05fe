package sparkonnx.ml

import org.apache.spark.ml.param.{IntParam, Param, ParamValidators, Params}
import org.apache.spark.sql.SparkSession

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.OnnxModel
import sparkonnx.sql.functions.ModelCatalog

/**
 * A stage's model, always one of two Params: `modelName`, a model registered in the session, or
 * `modelPath`, a model the stage holds (a path or URI, read on the driver). A held model is
 * registered on use under a name derived from its SHA-256, and saved inside the stage's directory.
 * `setModel(bytes)` holds a model given in memory (see [[HeldModels.stash]]).
 */
trait ModelHolder extends Params {

  final val modelName: Param[String] = new Param[String](
    this,
    "modelName",
    "name of a model registered in the session; empty to use the model held by the stage"
  )

  final val modelPath: Param[String] = new Param[String](
    this,
    "modelPath",
    "path or URI (any Hadoop file system) of the ONNX model the stage holds, read on the " +
      "driver and saved with the stage; empty to use the registered model modelName"
  )

  final val batchSize: IntParam = new IntParam(
    this,
    "batchSize",
    "rows per ONNX Runtime run; 0 for the session's spark.onnx.batchSize",
    ParamValidators.inRange(0, 1 << 20)
  )

  setDefault(modelName -> "", modelPath -> "", batchSize -> 0)

  def getBatchSize: Int = $(batchSize)

  def setBatchSize(value: Int): this.type = set(batchSize, value)

  def getModelName: String = $(modelName)

  def getModelPath: String = $(modelPath)

  /** The model read from `modelPath`, with the path it was read from: a new path reads again. */
  @transient @volatile private var held: Option[(String, OnnxModel)] = None

  /** The registered model this stage last ran, so saving it later needs no session lookup. */
  @transient @volatile private var lastResolved: Option[(String, OnnxModel)] = None

  /** Uses the model registered as `name` (and drops a model the stage held). */
  def setModelName(name: String): this.type = set(modelPath, "").set(modelName, name)

  /** Holds the model at `path` (any Hadoop file system), read and checked now, on the driver. */
  def setModelPath(path: String): this.type = {
    held = Some(path -> HeldModels.read(path, uid))
    set(modelName, "").set(modelPath, path)
  }

  /** Holds the model given as bytes: `modelPath` becomes its content-addressed copy. */
  def setModel(bytes: Array[Byte]): this.type = {
    val model = HeldModels.parse(bytes, uid, s"<$uid model>")
    val path = HeldModels.stash(model)
    held = Some(path -> model)
    set(modelName, "").set(modelPath, path)
  }

  /** The bytes this stage holds, if it holds a model rather than naming a registered one. */
  def modelBytes: Option[Array[Byte]] = heldModel.map(_.bytes)

  /** The held model, read on first use after `modelPath` was set by any means. */
  private[ml] def heldModel: Option[OnnxModel] = $(modelPath) match {
    case "" => None
    case path =>
      held.collect { case (from, model) if from == path => model }.orElse {
        val model = HeldModels.read(path, uid)
        held = Some(path -> model)
        Some(model)
      }
  }

  /** Refuses a stage naming both a registered model and a held one. */
  private def requireOneModel(): Unit =
    if ($(modelName).nonEmpty && $(modelPath).nonEmpty) {
      throw OnnxErrors.stageModelNotSet(
        getClass.getSimpleName,
        uid,
        s"has both modelName (${$(modelName)}) and modelPath (${$(modelPath)}): set only one"
      )
    }

  private def noModel =
    OnnxErrors.stageModelNotSet(
      getClass.getSimpleName,
      uid,
      "has no model: call setModelName, setModelPath or setModel"
    )

  /** The session name of the model: the registered one, or the held one registered by hash. */
  protected def registeredName(spark: SparkSession): String = {
    requireOneModel()
    heldModel match {
      case Some(model) =>
        val name = s"onnx_${model.sha256.take(16)}"
        if (!ModelCatalog.registered(spark).contains(name)) {
          ModelCatalog.register(spark, name, model.bytes)
        }
        name
      case None if $(modelName).nonEmpty => $(modelName)
      case None =>
        throw noModel
    }
  }

  /**
   * The model for schema checks: the held one, or the registered one's signature. Pure: it
   * registers nothing and opens no session (Spark calls `transformSchema` while planning).
   */
  protected def modelForSchema(spark: SparkSession): OnnxModel = {
    requireOneModel()
    heldModel.getOrElse {
      if ($(modelName).isEmpty) {
        throw noModel
      }
      ModelCatalog.lookup(spark, $(modelName))
    }
  }

  protected def resolvedModel(spark: SparkSession): (String, OnnxModel) = {
    val name = registeredName(spark)
    val model = ModelCatalog.lookup(spark, name)
    lastResolved = Some(name -> model)
    (name, model)
  }

  /** The model to save with the stage: held, last run under its name, or registered now. */
  private[ml] def modelToSave(spark: SparkSession): OnnxModel = heldModel
    .orElse(lastResolved.collect { case (name, model) if name == $(modelName) => model })
    .getOrElse(ModelCatalog.lookup(spark, registeredName(spark)))

  /** `that` (a copy of this stage) sharing the models this one already read. */
  protected def withModelsOf[T <: ModelHolder](that: T): T = {
    that.held = held
    that.lastResolved = lastResolved
    that
  }
}
