package sparkonnx.ml

import org.apache.spark.ml.Transformer
import org.apache.spark.ml.functions.array_to_vector
import org.apache.spark.ml.linalg.SQLDataTypes
import org.apache.spark.ml.param.ParamMap
import org.apache.spark.ml.util._
import org.apache.spark.sql.{Column, DataFrame, Dataset, SparkSession}
import org.apache.spark.sql.functions.col
import org.apache.spark.sql.types.{ArrayType, NumericType, StructType}

import sparkonnx.sql.functions.ModelCatalog
import sparkonnx.sql.functions.OnnxCallColumns
import sparkonnx.model.OnnxModel
import sparkonnx.tensor.ModelBinding

/**
 * Runs an ONNX model as a Spark ML stage, on the same batched `onnx_predict` expression. The model
 * is either registered in the session (`modelName`) or held by the stage (`modelPath`, or
 * `setModel(bytes)`); saving the stage (or a pipeline holding it) writes the model bytes beside its
 * metadata, so a loaded pipeline runs in a fresh session.
 * {{{
 *   val scorer = new OnnxTransformer()
 *     .setModelPath("models/digits.onnx")
 *     .setInputCols(Array("pixels"))
 *     .setOutputCols(Array("probabilities"))
 *   scorer.transform(images)
 * }}}
 */
class OnnxTransformer(override val uid: String)
    extends Transformer
    with OnnxTransformerParams
    with MLWritable {

  def this() = this(Identifiable.randomUID("onnxTransformer"))

  def setInputCols(value: Array[String]): this.type = set(inputCols, value)
  def setInputNames(value: Array[String]): this.type = set(inputNames, value)
  def setOutputCols(value: Array[String]): this.type = set(outputCols, value)
  def setOutputNames(value: Array[String]): this.type = set(outputNames, value)
  def setVectorOutput(value: Boolean): this.type = set(vectorOutput, value)

  /** The ML convention for a one-input model: `setInputCols(Array(value))`. */
  def setInputCol(value: String): this.type = setInputCols(Array(value))

  /** The ML convention for one fetched output: `setOutputCols(Array(value))`. */
  def setOutputCol(value: String): this.type = setOutputCols(Array(value))

  /** Feeds model inputs from columns by name: input name -> column. */
  def setFeed(feed: Map[String, String]): this.type = {
    val (names, columns) = feed.toSeq.sorted.unzip
    setInputNames(names.toArray).setInputCols(columns.toArray)
  }

  override def transform(dataset: Dataset[_]): DataFrame = {
    transformSchema(dataset.schema, logging = true)
    val spark = dataset.sparkSession
    val (name, model) = resolvedModel(spark)
    val outputs = fetched(model)
    val options = Map("outputs" -> outputs.mkString(",")) ++
      (if ($(batchSize) > 0) Map("batchSize" -> $(batchSize).toString) else Map.empty)
    val call = OnnxCallColumns.call("onnx_predict", name, orderedInputs(model), options)
    val frame = dataset.toDF()
    val targets = outputColumns(outputs)
    if (outputs.size == 1) {
      frame.withColumn(targets.head, asOutput(call, frame, outputs.head))
    } else {
      val scored = s"__${uid}_outputs"
      val withResults = frame.withColumn(scored, call)
      targets
        .zip(outputs)
        .foldLeft(withResults) { case (df, (target, output)) =>
          df.withColumn(target, asOutput(col(scored).getField(output), frame, output))
        }
        .drop(scored)
    }
  }

  override def transformSchema(schema: StructType): StructType = {
    val spark = SparkSession.active
    val model = modelForSchema(spark)
    val arguments = orderedInputNames(model).map(c =>
      ModelBinding.Argument(c, schema(c).dataType, foldable = false)
    )
    val outputs = fetched(model)
    val binding = ModelBinding.bind(uid, model, arguments, outputs)
    val types = binding.dataType match {
      case struct: StructType if outputs.size > 1 => struct.fields.map(_.dataType).toSeq
      case single => Seq(single)
    }
    outputColumns(outputs).zip(types).foldLeft(schema) { case (s, (name, dataType)) =>
      val finalType =
        if ($(vectorOutput) && isVectorable(dataType)) SQLDataTypes.VectorType else dataType
      s.add(name, finalType, nullable = true)
    }
  }

  override def copy(extra: ParamMap): OnnxTransformer =
    withModelsOf(defaultCopy[OnnxTransformer](extra))

  override def write: MLWriter = new StagePersistence.Writer(this)

  private def orderedInputNames(model: OnnxModel): Seq[String] =
    if ($(inputNames).isEmpty) $(inputCols).toSeq
    else {
      require(
        $(inputNames).length == $(inputCols).length,
        s"OnnxTransformer $uid: inputNames and inputCols must have the same length"
      )
      val byInput = $(inputNames).zip($(inputCols)).toMap
      val missing = model.signature.inputs.map(_.name).filterNot(byInput.contains)
      require(
        missing.isEmpty,
        s"OnnxTransformer $uid feeds no column to model input(s) " +
          s"${missing.mkString(", ")}; inputNames: ${$(inputNames).mkString(", ")}"
      )
      model.signature.inputs.map(spec => byInput(spec.name))
    }

  private def orderedInputs(model: OnnxModel): Seq[Column] = orderedInputNames(model).map(col)

  private def fetched(model: OnnxModel): Seq[String] =
    if ($(outputNames).isEmpty) model.signature.outputs.map(_.name) else $(outputNames).toSeq

  private def outputColumns(outputs: Seq[String]): Seq[String] =
    if ($(outputCols).isEmpty) outputs
    else {
      require(
        $(outputCols).length == outputs.size,
        s"OnnxTransformer $uid: " +
          s"${$(outputCols).length} outputCols for ${outputs.size} outputs (${outputs.mkString(", ")})"
      )
      $(outputCols).toSeq
    }

  private def asOutput(value: Column, frame: DataFrame, output: String): Column =
    if (! $(vectorOutput)) value
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
  override def read: MLReader[OnnxTransformer] =
    new StagePersistence.Reader(classOf[OnnxTransformer].getName, uid => new OnnxTransformer(uid))

  override def load(path: String): OnnxTransformer = super.load(path)
}
