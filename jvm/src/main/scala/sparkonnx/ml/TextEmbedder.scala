package sparkonnx.ml

import org.apache.hadoop.fs.Path
import org.apache.spark.ml.Transformer
import org.apache.spark.ml.functions.array_to_vector
import org.apache.spark.ml.linalg.SQLDataTypes
import org.apache.spark.ml.param.{BooleanParam, IntParam, Param, ParamMap, ParamValidators}
import org.apache.spark.ml.param.shared.{HasInputCol, HasOutputCol}
import org.apache.spark.ml.sparkonnx.MLPersistence
import org.apache.spark.ml.util._
import org.apache.spark.sql.{DataFrame, Dataset, SparkSession}
import org.apache.spark.sql.functions.col
import org.apache.spark.sql.types.{StringType, StructType}

import sparkonnx.model.OnnxModel
import sparkonnx.sql.functions.{ModelCatalog, OnnxCallColumns, OnnxPredict}

/**
 * Text -> embedding vector (`VectorUDT`) with a transformer encoder and its tokenizer, all in the
 * JVM: tokenized, batched by length, run and pooled as `onnx_predict` does for a text model
 * (docs/text.md). Holds both files, and saves them inside the stage's directory.
 * {{{
 *   val embedder = new TextEmbedder()
 *     .setModelPath("models/zoo/all_minilm_l6_v2.onnx")
 *     .setTokenizerPath("models/zoo/all_minilm_l6_v2.tokenizer.json")
 *     .setPooling("mean").setNormalize(true).setMaxLength(256)
 *     .setInputCol("text").setOutputCol("features")
 *   new Pipeline().setStages(Array(embedder, new LogisticRegression())).fit(reviews)
 * }}}
 */
class TextEmbedder(override val uid: String)
    extends Transformer
    with HasInputCol
    with HasOutputCol
    with MLWritable {

  def this() = this(Identifiable.randomUID("textEmbedder"))

  final val modelPath: Param[String] = new Param[String](
    this,
    "modelPath",
    "path or URI (any Hadoop file system) of the ONNX text encoder, read on the driver and " +
      "saved with the stage"
  )
  final val tokenizerPath: Param[String] = new Param[String](
    this,
    "tokenizerPath",
    "path or URI of the model's Hugging Face tokenizer.json, saved with the stage"
  )
  final val pooling: Param[String] = new Param[String](
    this,
    "pooling",
    "how token vectors become one vector: 'mean' (masked mean) or 'cls' (first token)",
    ParamValidators.inArray(Array("mean", "cls"))
  )
  final val normalize: BooleanParam =
    new BooleanParam(this, "normalize", "divide each vector by its L2 norm")
  final val maxLength: IntParam = new IntParam(
    this,
    "maxLength",
    "the most tokens a text keeps (special tokens included); longer texts are truncated",
    ParamValidators.inRange(1, 1 << 16)
  )
  final val outputName: Param[String] =
    new Param[String](this, "outputName", "model output to use; empty for the model's first output")
  final val batchSize: IntParam = new IntParam(
    this,
    "batchSize",
    "rows per window of texts sorted by length; 0 for the session's spark.onnx.batchSize",
    ParamValidators.inRange(0, 1 << 20)
  )

  setDefault(
    inputCol -> "text",
    outputCol -> "features",
    modelPath -> "",
    tokenizerPath -> "",
    pooling -> "mean",
    normalize -> false,
    maxLength -> 512,
    outputName -> "",
    batchSize -> 0
  )

  def setInputCol(value: String): this.type = set(inputCol, value)
  def setOutputCol(value: String): this.type = set(outputCol, value)
  def setModelPath(value: String): this.type = set(modelPath, value)
  def setTokenizerPath(value: String): this.type = set(tokenizerPath, value)
  def setPooling(value: String): this.type = set(pooling, value)
  def setNormalize(value: Boolean): this.type = set(normalize, value)
  def setMaxLength(value: Int): this.type = set(maxLength, value)
  def setOutputName(value: String): this.type = set(outputName, value)
  def setBatchSize(value: Int): this.type = set(batchSize, value)
  def getModelPath: String = $(modelPath)
  def getTokenizerPath: String = $(tokenizerPath)
  def getPooling: String = $(pooling)
  def getNormalize: Boolean = $(normalize)
  def getMaxLength: Int = $(maxLength)
  def getOutputName: String = $(outputName)
  def getBatchSize: Int = $(batchSize)

  override def transform(dataset: Dataset[_]): DataFrame = {
    transformSchema(dataset.schema, logging = true)
    val name = register(dataset.sparkSession)
    val options: Map[String, String] =
      if ($(batchSize) > 0) Map("batchSize" -> $(batchSize).toString) else Map.empty
    val embedded =
      OnnxCallColumns.call(OnnxPredict.FunctionName, name, Seq(col($(inputCol))), options)
    dataset.toDF().withColumn($(outputCol), array_to_vector(embedded))
  }

  /**
   * Registers the encoder with its tokenizer and this stage's text options under a name derived
   * from all three, so stages that differ in any of them never share a registration.
   */
  private[ml] def register(spark: SparkSession): String = {
    require($(modelPath).nonEmpty, s"TextEmbedder $uid: set modelPath (the ONNX text encoder)")
    require($(tokenizerPath).nonEmpty, s"TextEmbedder $uid: set tokenizerPath (tokenizer.json)")
    val options = Map(
      "tokenizer" -> $(tokenizerPath),
      "pooling" -> $(pooling),
      "normalize" -> $(normalize).toString,
      "maxLength" -> $(maxLength).toString
    ) ++ (if ($(outputName).nonEmpty) Map("outputs" -> $(outputName)) else Map.empty)
    val key = (options.toSeq.sorted :+ ("model" -> $(modelPath))).mkString(";")
    val name = s"onnx_text_${OnnxModel.sha256Hex(key.getBytes("UTF-8")).take(16)}"
    if (!ModelCatalog.registered(spark).contains(name)) {
      import scala.jdk.CollectionConverters._
      ModelCatalog.registerWithOptions(spark, name, $(modelPath), options.asJava, true)
    }
    name
  }

  override def transformSchema(schema: StructType): StructType = {
    require(
      schema.fieldNames.contains($(inputCol)),
      s"TextEmbedder $uid: no column ${$(inputCol)} in ${schema.fieldNames.mkString(", ")}"
    )
    require(
      schema($(inputCol)).dataType == StringType,
      s"TextEmbedder $uid: column ${$(inputCol)} is ${schema($(inputCol)).dataType.sql}, " +
        "not STRING"
    )
    schema.add($(outputCol), SQLDataTypes.VectorType, nullable = true)
  }

  override def copy(extra: ParamMap): TextEmbedder = defaultCopy(extra)

  override def write: MLWriter = new TextEmbedder.Writer(this)
}

object TextEmbedder extends MLReadable[TextEmbedder] {
  private val ModelFile = "model.onnx"
  private val TokenizerFile = "tokenizer.json"

  /** Params in `metadata/` as Spark saves its stages, the two files beside them. */
  private class Writer(stage: TextEmbedder) extends MLWriter {
    override protected def saveImpl(path: String): Unit = {
      val conf = sparkSession.sparkContext.hadoopConfiguration
      val saved =
        stage.copy(ParamMap(stage.modelPath -> ModelFile, stage.tokenizerPath -> TokenizerFile))
      MLPersistence.saveMetadata(saved, path, sparkSession)
      Seq(stage.getModelPath -> ModelFile, stage.getTokenizerPath -> TokenizerFile).foreach {
        case (from, to) =>
          val source = new Path(from)
          val in = source.getFileSystem(conf).open(source)
          val target = new Path(path, to)
          val out = target.getFileSystem(conf).create(target)
          try in.transferTo(out)
          finally {
            in.close()
            out.close()
          }
      }
    }
  }

  private class Reader extends MLReader[TextEmbedder] {
    override def load(path: String): TextEmbedder = {
      val stage = MLPersistence.loadParams(
        path,
        sparkSession,
        classOf[TextEmbedder].getName,
        uid => new TextEmbedder(uid)
      )
      val conf = sparkSession.sparkContext.hadoopConfiguration
      def qualified(name: String): String = {
        val file = new Path(path, name)
        file.getFileSystem(conf).makeQualified(file).toString
      }
      stage.setModelPath(qualified(ModelFile)).setTokenizerPath(qualified(TokenizerFile))
    }
  }

  override def read: MLReader[TextEmbedder] = new Reader

  override def load(path: String): TextEmbedder = super.load(path)
}
