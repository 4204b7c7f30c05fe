package sparkonnx.ml

import org.apache.spark.ml.Transformer
import org.apache.spark.ml.functions.array_to_vector
import org.apache.spark.ml.linalg.SQLDataTypes
import org.apache.spark.ml.param.ParamMap
import org.apache.spark.ml.util._
import org.apache.spark.sql.{DataFrame, Dataset}
import org.apache.spark.sql.types.StructType

/**
 * Image -> feature vector (`VectorUDT`) with a pretrained network, all in the JVM: the first half
 * of transfer learning, ready for any Spark ML estimator.
 * {{{
 *   val featurizer = new ImageFeaturizer()
 *     .setModelPath("models/zoo/mobilenet_v2_features.onnx")
 *     .setInputCol("image").setOutputCol("features")
 *   new Pipeline().setStages(Array(featurizer, new LogisticRegression())).fit(images)
 * }}}
 */
class ImageFeaturizer(override val uid: String)
    extends Transformer
    with ImageModelParams
    with MLWritable {

  def this() = this(Identifiable.randomUID("imageFeaturizer"))

  setDefault(outputCol -> "features")

  def setInputCol(value: String): this.type = set(inputCol, value)
  def setOutputCol(value: String): this.type = set(outputCol, value)
  def setPreset(value: String): this.type = set(preset, value)
  def setOutputName(value: String): this.type = set(outputName, value)

  override def transform(dataset: Dataset[_]): DataFrame = {
    transformSchema(dataset.schema, logging = true)
    val spark = dataset.sparkSession
    val (name, model) = resolvedModel(spark)
    dataset
      .toDF()
      .withColumn($(outputCol), array_to_vector(ImageScoring.output(this, spark, name, model)))
  }

  override def transformSchema(schema: StructType): StructType = {
    require(
      schema.fieldNames.contains($(inputCol)),
      s"ImageFeaturizer $uid: no column " +
        s"${$(inputCol)} in ${schema.fieldNames.mkString(", ")}"
    )
    schema.add($(outputCol), SQLDataTypes.VectorType, nullable = true)
  }

  override def copy(extra: ParamMap): ImageFeaturizer =
    withModelsOf(defaultCopy[ImageFeaturizer](extra))

  override def write: MLWriter = new StagePersistence.Writer(this)
}

object ImageFeaturizer extends MLReadable[ImageFeaturizer] {
  override def read: MLReader[ImageFeaturizer] =
    new StagePersistence.Reader(classOf[ImageFeaturizer].getName, uid => new ImageFeaturizer(uid))

  override def load(path: String): ImageFeaturizer = super.load(path)
}
