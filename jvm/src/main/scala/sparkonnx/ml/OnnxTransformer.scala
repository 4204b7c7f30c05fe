package sparkonnx.ml

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.apache.spark.ml.Transformer
import org.apache.spark.ml.functions.array_to_vector
import org.apache.spark.ml.linalg.SQLDataTypes
import org.apache.spark.ml.param.ParamMap
import org.apache.spark.ml.sparkonnx.MLPersistence
import org.apache.spark.ml.util._
import org.apache.spark.sql.{Column, DataFrame, Dataset, SparkSession}
import org.apache.spark.sql.functions.col
import org.apache.spark.sql.types.{ArrayType, NumericType, StructType}

import sparkonnx.OnnxModels
import sparkonnx.functions.onnx_predict
import sparkonnx.model.OnnxModel
import sparkonnx.tensor.ModelBinding

/**
 * Runs an ONNX model as a Spark ML stage, on the same batched `onnx_predict` expression.
 * The model is either registered in the session (`modelName`) or held by the stage
 * (`setModelPath` / `setModel`); saving the stage (or a pipeline holding it) writes the model
 * bytes beside its metadata, so a loaded pipeline runs in a fresh session.
 * {{{
 *   val scorer = new OnnxTransformer()
 *     .setModelPath("models/digits.onnx")
 *     .setInputCols(Array("pixels"))
 *     .setOutputCols(Array("probabilities"))
 *   scorer.transform(images)
 * }}}
 */
class OnnxTransformer(override val uid: String)
  extends Transformer with OnnxTransformerParams with MLWritable {

  def this() = this(Identifiable.randomUID("onnxTransformer"))

  private var heldModel: Option[OnnxModel] = None

  /** Uses the model registered as `name` (and drops a model the stage held). */
  def setModelName(name: String): this.type = {
    heldModel = None
    set(modelName, name)
  }

  /** Holds the model at `path` (any Hadoop file system), read now on the driver. */
  def setModelPath(path: String): this.type = {
    val hadoopPath = new Path(path)
    // Before any session exists (building a pipeline up front), Hadoop's defaults will do.
    val conf = SparkSession.getActiveSession.orElse(SparkSession.getDefaultSession)
      .map(_.sparkContext.hadoopConfiguration).getOrElse(new Configuration())
    val fs = hadoopPath.getFileSystem(conf)
    val in = fs.open(hadoopPath)
    val bytes = try in.readAllBytes() finally in.close()
    setModel(bytes)
  }

  /** Holds the model given as bytes. */
  def setModel(bytes: Array[Byte]): this.type = {
    heldModel = Some(OnnxModel.fromBytes(bytes, s"<$uid model>"))
    this
  }

  def setInputCols(value: Array[String]): this.type = set(inputCols, value)
  def setInputNames(value: Array[String]): this.type = set(inputNames, value)
  def setOutputCols(value: Array[String]): this.type = set(outputCols, value)
  def setOutputNames(value: Array[String]): this.type = set(outputNames, value)
  def setBatchSize(value: Int): this.type = set(batchSize, value)
  def setVectorOutput(value: Boolean): this.type = set(vectorOutput, value)

  /** Feeds model inputs from columns by name: input name -> column. */
  def setFeed(feed: Map[String, String]): this.type = {
    val (names, columns) = feed.toSeq.sorted.unzip
    setInputNames(names.toArray).setInputCols(columns.toArray)
  }

  /** The bytes this stage holds, if it holds a model rather than naming a registered one. */
  def modelBytes: Option[Array[Byte]] = heldModel.map(_.bytes)

  override def transform(dataset: Dataset[_]): DataFrame = {
    transformSchema(dataset.schema, logging = true)
    val spark = dataset.sparkSession
    val name = registeredName(spark)
    val outputs = fetched(OnnxModels.lookup(spark, name))
    val options = Map("outputs" -> outputs.mkString(",")) ++
      (if ($(batchSize) > 0) Map("batchSize" -> $(batchSize).toString) else Map.empty)
    val call = onnx_predict(name, orderedInputs(OnnxModels.lookup(spark, name)), options)
    val frame = dataset.toDF()
    val targets = outputColumns(outputs)
    if (outputs.size == 1) {
      frame.withColumn(targets.head, asOutput(call, frame, outputs.head))
    } else {
      val scored = s"__${uid}_outputs"
      val withResults = frame.withColumn(scored, call)
      targets.zip(outputs).foldLeft(withResults) { case (df, (target, output)) =>
        df.withColumn(target, asOutput(col(scored).getField(output), frame, output))
      }.drop(scored)
    }
  }

  override def transformSchema(schema: StructType): StructType = {
    val spark = SparkSession.active
    val model = OnnxModels.lookup(spark, registeredName(spark))
    val inputTypes = orderedInputNames(model).map(c => c -> schema(c).dataType)
    val outputs = fetched(model)
    val binding = ModelBinding.bind(uid, model, null, inputTypes, outputs)
    val types = binding.dataType match {
      case struct: StructType if outputs.size > 1 => struct.fields.map(_.dataType).toSeq
      case single => Seq(single)
    }
    outputColumns(outputs).zip(types).foldLeft(schema) { case (s, (name, dataType)) =>
      val finalType = if ($(vectorOutput) && isVectorable(dataType)) SQLDataTypes.VectorType else dataType
      s.add(name, finalType, nullable = true)
    }
  }

  override def copy(extra: ParamMap): OnnxTransformer = {
    val that = defaultCopy[OnnxTransformer](extra)
    that.heldModel = heldModel
    that
  }

  override def write: MLWriter = new OnnxTransformer.Writer(this)

  /** The session name of the model: the registered one, or the held one registered by hash. */
  private def registeredName(spark: SparkSession): String = heldModel match {
    case Some(model) =>
      val name = s"onnx_${model.sha256.take(16)}"
      if (!OnnxModels.registered(spark).contains(name)) {
        OnnxModels.register(spark, name, model.bytes)
      }
      name
    case None if $(modelName).nonEmpty => $(modelName)
    case None => throw new IllegalArgumentException(
      s"OnnxTransformer $uid has no model: call setModelName, setModelPath or setModel")
  }

  private def orderedInputNames(model: OnnxModel): Seq[String] =
    if ($(inputNames).isEmpty) $(inputCols).toSeq
    else {
      require($(inputNames).length == $(inputCols).length,
        s"OnnxTransformer $uid: inputNames and inputCols must have the same length")
      val byInput = $(inputNames).zip($(inputCols)).toMap
      val missing = model.signature.inputs.map(_.name).filterNot(byInput.contains)
      require(missing.isEmpty, s"OnnxTransformer $uid feeds no column to model input(s) " +
        s"${missing.mkString(", ")}; inputNames: ${$(inputNames).mkString(", ")}")
      model.signature.inputs.map(spec => byInput(spec.name))
    }

  private def orderedInputs(model: OnnxModel): Seq[Column] = orderedInputNames(model).map(col)

  private def fetched(model: OnnxModel): Seq[String] =
    if ($(outputNames).isEmpty) model.signature.outputs.map(_.name) else $(outputNames).toSeq

  private def outputColumns(outputs: Seq[String]): Seq[String] =
    if ($(outputCols).isEmpty) outputs
    else {
      require($(outputCols).length == outputs.size, s"OnnxTransformer $uid: " +
        s"${$(outputCols).length} outputCols for ${outputs.size} outputs (${outputs.mkString(", ")})")
      $(outputCols).toSeq
    }

  private def asOutput(value: Column, frame: DataFrame, output: String): Column =
    if (!$(vectorOutput)) value
    else {
      val dataType = frame.select(value).schema.head.dataType
      if (isVectorable(dataType)) array_to_vector(value) else value
    }

  private def isVectorable(dataType: org.apache.spark.sql.types.DataType): Boolean =
    dataType match {
      case ArrayType(_: NumericType, _) => true
      case _ => false
    }
}

object OnnxTransformer extends MLReadable[OnnxTransformer] {
  private val ModelFile = "model.onnx"

  override def read: MLReader[OnnxTransformer] = new Reader

  override def load(path: String): OnnxTransformer = super.load(path)

  private class Writer(stage: OnnxTransformer) extends MLWriter {
    override protected def saveImpl(path: String): Unit = {
      MLPersistence.saveMetadata(stage, path, sparkSession)
      // A stage naming a registered model stores it too: the saved stage must stand alone.
      val bytes = stage.modelBytes.getOrElse(
        OnnxModels.lookup(sparkSession, stage.getModelName).bytes)
      val file = new Path(path, ModelFile)
      val out = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration).create(file)
      try out.write(bytes) finally out.close()
    }
  }

  private class Reader extends MLReader[OnnxTransformer] {
    override def load(path: String): OnnxTransformer = {
      val stage = MLPersistence.loadParams(path, sparkSession,
        classOf[OnnxTransformer].getName, uid => new OnnxTransformer(uid))
      val file = new Path(path, ModelFile)
      val in = file.getFileSystem(sparkSession.sparkContext.hadoopConfiguration).open(file)
      val bytes = try in.readAllBytes() finally in.close()
      stage.setModel(bytes)
    }
  }
}
