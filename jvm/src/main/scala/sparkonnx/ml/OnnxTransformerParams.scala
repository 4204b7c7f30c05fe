package sparkonnx.ml

import org.apache.spark.ml.param.{BooleanParam, IntParam, ParamValidators, StringArrayParam}

/**
 * The Params of [[OnnxTransformer]], shared with its Python wrapper (a parity test checks
 * names and defaults agree).
 */
trait OnnxTransformerParams extends ModelHolder {

  final val inputCols: StringArrayParam = new StringArrayParam(this, "inputCols",
    "columns feeding the model's inputs, in model input order unless inputNames is set")

  final val inputNames: StringArrayParam = new StringArrayParam(this, "inputNames",
    "model input fed by each of inputCols (a feed map); empty for model input order")

  final val outputCols: StringArrayParam = new StringArrayParam(this, "outputCols",
    "columns receiving the fetched outputs; empty to name them after the outputs")

  final val outputNames: StringArrayParam = new StringArrayParam(this, "outputNames",
    "model outputs to fetch (ONNX Runtime computes only what they need); empty for all")

  final val batchSize: IntParam = new IntParam(this, "batchSize",
    "rows per ONNX Runtime run; 0 for the session's spark.onnx.batchSize",
    ParamValidators.inRange(0, 1 << 20))

  final val vectorOutput: BooleanParam = new BooleanParam(this, "vectorOutput",
    "turn one-dimensional array outputs into ML vectors (for Spark ML estimators)")

  setDefault(inputCols -> Array.empty[String], inputNames -> Array.empty[String],
    outputCols -> Array.empty[String], outputNames -> Array.empty[String], batchSize -> 0,
    vectorOutput -> false)

  def getInputCols: Array[String] = $(inputCols)
  def getInputNames: Array[String] = $(inputNames)
  def getOutputCols: Array[String] = $(outputCols)
  def getOutputNames: Array[String] = $(outputNames)
  def getBatchSize: Int = $(batchSize)
  def getVectorOutput: Boolean = $(vectorOutput)
}
