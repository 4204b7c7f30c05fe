package sparkonnx.tensor

import org.apache.spark.sql.types.{DataType, StructField, StructType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ModelBytesSource, OnnxModel, TensorSpec}
import sparkonnx.runtime.SessionOptions

/**
 * A model bound to the Spark types of the arguments that feed it: the row <-> tensor contract
 * ([[BatchContract]]), one encoder per input, one decoder per fetched output, and the result type.
 * Pure: binding reads the signature only, so analysis can do it as often as it likes;
 * [[BatchScorer.open]] runs a binding on executors.
 */
final class ModelBinding private (
    val modelName: String,
    val model: OnnxModel,
    private[tensor] val encoders: Seq[InputEncoder],
    private[tensor] val decoders: Seq[OutputDecoder],
    val contract: BatchContract
) extends CallBinding {

  /** One output: its own type. Several: a struct with a field per output, in model order. */
  val dataType: DataType =
    if (decoders.size == 1) decoders.head.dataType
    else StructType(decoders.map(d => StructField(d.spec.name, d.dataType, nullable = false)))

  /** The rows per run when the model fixes its batch dimension (e.g. exported with batch 1). */
  override def fixedBatchSize: Option[Int] = contract.fixedBatch

  /** Each row is one complete run with full tensors (the call option `wholeCall`). */
  override def wholeCall: Boolean = contract.wholeCall

  /** Whether input `i` takes one constant value for the whole run. */
  override def isConstant(i: Int): Boolean = constantInputs(i)

  override def open(
      source: ModelBytesSource,
      options: SessionOptions,
      constants: Array[Any]
  ): Scorer = BatchScorer.open(this, source, options, constants)

  // Read per row and argument: an array, not the contract's Seq.
  private val constantInputs: Array[Boolean] = contract.constant.toArray

  def inputs: Seq[TensorSpec] = encoders.map(_.spec)

  /**
   * Bytes one row takes in the input tensors when every per-row input's value has static dims (e.g.
   * an image's 3x224x224 floats); None when a dynamic dim makes it depend on the data.
   */
  override val inputBytesPerRow: Option[Long] = {
    val sizes =
      encoders.zipWithIndex.filterNot { case (_, i) => isConstant(i) }.map { case (e, _) =>
        val dims = e.feed.valueDims
        if (e.spec.shapeKnown && dims.forall(_ >= 0)) {
          Some(dims.product * math.max(e.spec.elementType.byteSize, 1))
        } else None
      }
    if (sizes.forall(_.isDefined)) Some(sizes.flatten.sum) else None
  }

  /** Checks a constant argument's value for input `i` now (analysis), not on every run. */
  def checkConstant(i: Int, value: Any): Unit =
    if (value != null) encoders(i).shapeOf(value)

  private[tensor] val outputNames: java.util.Set[String] = {
    val names = new java.util.LinkedHashSet[String]()
    decoders.foreach(d => names.add(d.spec.name))
    names
  }

  override def equals(other: Any): Boolean = other match {
    case that: ModelBinding =>
      modelName == that.modelName && model == that.model &&
      decoders.map(_.spec) == that.decoders.map(_.spec) && contract == that.contract &&
      encoders.map(_.spec) == that.encoders.map(_.spec)
    case _ => false
  }

  override def hashCode: Int = (modelName, model, contract).hashCode

  override def toString: String = modelName
}

object ModelBinding {

  /** An argument of a call: its name for errors, its Spark type, and whether it is constant. */
  final case class Argument(column: String, dataType: DataType, foldable: Boolean)

  /**
   * Binds `model` to `arguments` in model input order, fetching `outputs` (all when empty), batched
   * or one whole run per row. Throws the analysis error that names the model, input and column on
   * any mismatch, or that says what to do when the batched contract cannot fit.
   */
  def bind(
      modelName: String,
      model: OnnxModel,
      arguments: Seq[Argument],
      outputs: Seq[String] = Nil,
      wholeCall: Boolean = false
  ): ModelBinding = {
    val inputs = model.signature.inputs
    if (arguments.size != inputs.size) {
      throw OnnxErrors.wrongNumInputs(modelName, inputs, arguments.size)
    }
    val fetched = selectOutputs(modelName, model.signature.outputs, outputs)
    val contract = BatchContract.decide(
      modelName,
      inputs,
      arguments.map(a => BatchContract.Argument(a.column, a.foldable)),
      fetched,
      wholeCall
    )
    val encoders = inputs.indices.map { i =>
      new InputEncoder(
        modelName,
        arguments(i).column,
        inputs(i),
        arguments(i).dataType,
        contract.inputs(i),
        contract.constant(i)
      )
    }
    val decoders = fetched.zip(contract.outputs).map { case (spec, split) =>
      OutputDecoder(modelName, spec, split)
    }
    new ModelBinding(modelName, model, encoders, decoders, contract)
  }

  private def selectOutputs(
      modelName: String,
      all: Seq[TensorSpec],
      wanted: Seq[String]
  ): Seq[TensorSpec] =
    if (wanted.isEmpty) all
    else
      wanted.map { name =>
        all
          .find(_.name == name)
          .getOrElse(throw OnnxErrors.unknownOutput(modelName, name, all.map(_.name)))
      }
}
