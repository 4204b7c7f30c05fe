package sparkonnx.ml

import org.apache.spark.ml.param.Param
import org.apache.spark.ml.param.shared.{HasInputCol, HasOutputCol}

/** Params shared by the image stages (names and defaults mirrored in Python). */
trait ImageModelParams extends ModelHolder with HasInputCol with HasOutputCol {

  final val preset: Param[String] = new Param[String](
    this,
    "preset",
    "image preprocessing: 'auto' (what the model records, else 'imagenet') or a preset of " +
      "onnx_image_tensor ('imagenet', 'mobilenet_v2', 'efficientnet_lite0')"
  )

  final val outputName: Param[String] =
    new Param[String](this, "outputName", "model output to use; empty for the model's first output")

  setDefault(inputCol -> "image", preset -> "auto", outputName -> "")

  def getPreset: String = $(preset)
  def getOutputName: String = $(outputName)
}
