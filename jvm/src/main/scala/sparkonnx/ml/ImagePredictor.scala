package sparkonnx.ml

import org.apache.spark.ml.Transformer
import org.apache.spark.ml.param.{
  BooleanParam,
  IntParam,
  ParamMap,
  ParamValidators,
  StringArrayParam
}
import org.apache.spark.ml.util._
import org.apache.spark.sql.{DataFrame, Dataset}
import org.apache.spark.sql.functions.{call_function, lit, typedLit}
import org.apache.spark.sql.types._

/**
 * Image -> the top `topK` classes of a pretrained classifier, as `array<struct<index, label,
 * probability>>` (or the raw scores with `decode = false`).
 * {{{
 *   new ImagePredictor().setModelName("mobilenet_v2").setTopK(5).transform(images)
 * }}}
 * A zoo name needs no registration (`spark.onnx.zoo.dirs`), and the zoo's classifiers record their
 * labels, so the entries come labelled. Or with a model file and labels of your own:
 * {{{
 *   new ImagePredictor().setModelPath("/models/classifier.onnx").setLabels(labels)
 * }}}
 */
class ImagePredictor(override val uid: String)
    extends Transformer
    with ImageModelParams
    with MLWritable {

  def this() = this(Identifiable.randomUID("imagePredictor"))

  final val topK: IntParam =
    new IntParam(this, "topK", "how many classes to return", ParamValidators.gtEq(1))
  final val labels: StringArrayParam = new StringArrayParam(
    this,
    "labels",
    "class names by index; empty for the ones the model records (metadata spark_onnx.labels, " +
      "as the zoo's classifiers have), else indices only"
  )
  final val decode: BooleanParam = new BooleanParam(
    this,
    "decode",
    "return the top classes with labels; false for the model's raw scores"
  )

  setDefault(outputCol -> "predictions", topK -> 5, labels -> Array.empty[String], decode -> true)

  def setInputCol(value: String): this.type = set(inputCol, value)
  def setOutputCol(value: String): this.type = set(outputCol, value)
  def setPreset(value: String): this.type = set(preset, value)
  def setOutputName(value: String): this.type = set(outputName, value)
  def setTopK(value: Int): this.type = set(topK, value)
  def setLabels(value: Array[String]): this.type = set(labels, value)
  def setDecode(value: Boolean): this.type = set(decode, value)
  def getTopK: Int = $(topK)
  def getLabels: Array[String] = $(labels)
  def getDecode: Boolean = $(decode)

  override def transform(dataset: Dataset[_]): DataFrame = {
    transformSchema(dataset.schema, logging = true)
    val spark = dataset.sparkSession
    val (name, model) = resolvedModel(spark)
    val scores = ImageScoring.output(this, spark, name, model)
    val result =
      if (! $(decode)) scores
      else call_function("onnx_top_k", scores, lit($(topK)), typedLit(labelsFor(model).toSeq))
    dataset.toDF().withColumn($(outputCol), result)
  }

  /** The labels set, else the ones the model records (the zoo's classifiers do), else none. */
  private def labelsFor(model: sparkonnx.model.OnnxModel): Array[String] =
    if ($(labels).nonEmpty) $(labels)
    else sparkonnx.model.ModelLabels.of(model).getOrElse(Array.empty[String])

  override def transformSchema(schema: StructType): StructType = {
    require(
      schema.fieldNames.contains($(inputCol)),
      s"ImagePredictor $uid: no column " +
        s"${$(inputCol)} in ${schema.fieldNames.mkString(", ")}"
    )
    val outputType =
      if ($(decode)) sparkonnx.sql.functions.OnnxTopK.ResultType
      else ArrayType(FloatType, containsNull = false)
    schema.add($(outputCol), outputType, nullable = true)
  }

  override def copy(extra: ParamMap): ImagePredictor =
    withModelsOf(defaultCopy[ImagePredictor](extra))

  override def write: MLWriter = new StagePersistence.Writer(this)
}

object ImagePredictor extends MLReadable[ImagePredictor] {

  /** Model metadata with the class names, one a line (models/zoo/build_zoo.py writes it). */
  val LabelsMetadataKey: String = sparkonnx.model.ModelLabels.MetadataKey

  override def read: MLReader[ImagePredictor] =
    new StagePersistence.Reader(classOf[ImagePredictor].getName, uid => new ImagePredictor(uid))

  override def load(path: String): ImagePredictor = super.load(path)
}
