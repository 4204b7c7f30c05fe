package sparkonnx.tensor

import org.apache.spark.sql.types.{DataType, StructField, StructType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ModelBytesSource, OnnxModel, TensorSpec}
import sparkonnx.runtime.{SessionOptions, SessionPool}

/**
 * A model bound to the Spark types of the columns that feed it: one encoder per input, one
 * decoder per fetched output, and the result type. Binding checks everything knowable before a
 * row is read, so it is done at analysis time; [[BatchScorer]]s then run it on executors.
 */
final class ModelBinding private (
    val modelName: String,
    val model: OnnxModel,
    val bytesSource: ModelBytesSource,
    private[tensor] val encoders: Seq[InputEncoder],
    private[tensor] val decoders: Seq[OutputDecoder])
  extends Serializable {

  /** One output: its own type. Several: a struct with a field per output, in model order. */
  val dataType: DataType =
    if (decoders.size == 1) decoders.head.dataType
    else StructType(decoders.map(d => StructField(d.spec.name, d.dataType, nullable = false)))

  /** The rows per run when the model fixes its batch dimension (e.g. exported with batch 1). */
  val fixedBatchSize: Option[Int] =
    encoders.map(_.spec.shape.headOption.getOrElse(-1L)).find(_ > 0).map(_.toInt)

  /**
   * Bytes one row takes in the input tensors when every input's row shape is static (e.g. an
   * image's 3x224x224 floats); None when a dynamic dim makes it depend on the data.
   */
  val inputBytesPerRow: Option[Long] = {
    val sizes = encoders.map { e =>
      e.spec.staticRowSize.map(_ * math.max(e.spec.elementType.byteSize, 1))
    }
    if (sizes.forall(_.isDefined)) Some(sizes.flatten.sum) else None
  }

  private[tensor] val outputNames: java.util.Set[String] = {
    val names = new java.util.LinkedHashSet[String]()
    decoders.foreach(d => names.add(d.spec.name))
    names
  }

  /** A scorer holding this JVM's shared session for the model; close it when done. */
  def newScorer(options: SessionOptions, budgetBytes: Long = Long.MaxValue): BatchScorer = {
    val lease =
      try SessionPool.lease(model.identity, options, () => bytesSource.bytes(), budgetBytes,
        bytesSource.path)
      catch {
        // Building the session on an executor: a custom-op library that will not load, say.
        case e: ai.onnxruntime.OrtException => throw OnnxErrors.runtimeFailure(modelName, e)
      }
    new BatchScorer(this, lease)
  }

  /** Scores one row (the fallback where a call cannot be batched); no value may be null. */
  def scoreRow(values: Array[Any], options: SessionOptions, failOnError: Boolean): Any = {
    val scorer = newScorer(options)
    try {
      val inputs = values.map(v => Array[Any](v))
      (if (failOnError) scorer.score(inputs, 1) else scorer.tryScore(inputs, 1))(0)
    } finally scorer.close()
  }

  override def equals(other: Any): Boolean = other match {
    case that: ModelBinding => modelName == that.modelName && model == that.model &&
      decoders.map(_.spec) == that.decoders.map(_.spec)
    case _ => false
  }

  override def hashCode: Int = (modelName, model).hashCode

  override def toString: String = modelName
}

object ModelBinding {

  /**
   * Binds `model` to columns given as (name for errors, Spark type), in model input order,
   * fetching `outputs` (all when empty). Throws the analysis error that names the model, input
   * and column on any mismatch.
   */
  def bind(
      modelName: String,
      model: OnnxModel,
      bytesSource: ModelBytesSource,
      columns: Seq[(String, DataType)],
      outputs: Seq[String] = Nil): ModelBinding = {
    val inputs = model.signature.inputs
    if (columns.size != inputs.size) {
      throw OnnxErrors.wrongNumInputs(modelName, inputs, columns.size)
    }
    val encoders = inputs.zip(columns).map { case (spec, (column, dataType)) =>
      new InputEncoder(modelName, column, spec, dataType)
    }
    val decoders = selectOutputs(modelName, model.signature.outputs, outputs)
      .map(OutputDecoder(modelName, _))
    new ModelBinding(modelName, model, bytesSource, encoders, decoders)
  }

  private def selectOutputs(
      modelName: String,
      all: Seq[TensorSpec],
      wanted: Seq[String]): Seq[TensorSpec] =
    if (wanted.isEmpty) all
    else wanted.map { name =>
      all.find(_.name == name).getOrElse(
        throw OnnxErrors.unknownOutput(modelName, name, all.map(_.name)))
    }
}
