package sparkonnx.ml

import org.apache.spark.ml.param.{BooleanParam, StringArrayParam}

/**
 * The Params of [[OnnxTransformer]], shared with its Python wrapper (a parity test checks names and
 * defaults agree).
 */
trait OnnxTransformerParams extends ModelHolder {

  final val inputCols: StringArrayParam = new StringArrayParam(
    this,
    "inputCols",
    "columns feeding the model's inputs, in model input order unless inputNames is set"
  )

  final val inputNames: StringArrayParam = new StringArrayParam(
    this,
    "inputNames",
    "model input fed by each of inputCols (a feed map); empty for model input order"
  )

  final val outputCols: StringArrayParam = new StringArrayParam(
    this,
    "outputCols",
    "columns receiving the fetched outputs; empty to name them after the outputs"
  )

  final val outputNames: StringArrayParam = new StringArrayParam(
    this,
    "outputNames",
    "model outputs to fetch (ONNX Runtime computes only what they need); empty for all"
  )

  final val vectorOutput: BooleanParam = new BooleanParam(
    this,
    "vectorOutput",
    "turn one-dimensional array outputs into ML vectors (for Spark ML estimators)"
  )

  setDefault(
    inputCols -> Array.empty[String],
    inputNames -> Array.empty[String],
    outputCols -> Array.empty[String],
    outputNames -> Array.empty[String],
    vectorOutput -> false
  )

  def getInputCols: Array[String] = $(inputCols)
  def getInputNames: Array[String] = $(inputNames)
  def getOutputCols: Array[String] = $(outputCols)
  def getOutputNames: Array[String] = $(outputNames)
  def getVectorOutput: Boolean = $(vectorOutput)
}
