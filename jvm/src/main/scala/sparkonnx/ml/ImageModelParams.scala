package sparkonnx.ml

import org.apache.spark.ml.param.{IntParam, Param, ParamValidators}
import org.apache.spark.ml.param.shared.{HasInputCol, HasOutputCol}

/** Params shared by the image stages (names and defaults mirrored in Python). */
trait ImageModelParams extends ModelHolder with HasInputCol with HasOutputCol {

  final val preset: Param[String] = new Param[String](this, "preset",
    "image preprocessing: 'auto' (what the model records, else 'imagenet') or a preset of " +
      "onnx_image_tensor ('imagenet', 'mobilenet_v2', 'efficientnet_lite0')")

  final val outputName: Param[String] = new Param[String](this, "outputName",
    "model output to use; empty for the model's first output")

  final val batchSize: IntParam = new IntParam(this, "batchSize",
    "rows per ONNX Runtime run; 0 for the session's spark.onnx.batchSize",
    ParamValidators.inRange(0, 1 << 20))

  setDefault(inputCol -> "image", preset -> "auto", outputName -> "", batchSize -> 0)

  def getPreset: String = $(preset)
  def getOutputName: String = $(outputName)
  def getBatchSize: Int = $(batchSize)
}
