package sparkonnx.ml

import org.apache.spark.sql.{Column, SparkSession}
import org.apache.spark.sql.functions.{call_function, col, flatten, lit}

import sparkonnx.sql.functions.OnnxCallColumns
import sparkonnx.image.ImagePreprocessing
import sparkonnx.model.OnnxModel

/** The column an image stage computes: image -> tensor in the JVM -> one model output. */
private[ml] object ImageScoring {

  /** The chosen output of `model` for the images in `inputCol`, flattened to one array. */
  def output(
      stage: ImageModelParams,
      spark: SparkSession,
      name: String,
      model: OnnxModel
  ): Column = {
    val output =
      if (stage.getOutputName.nonEmpty) stage.getOutputName
      else model.signature.outputs.head.name
    val options = Map("outputs" -> output) ++
      (if (stage.getBatchSize > 0) Map("batchSize" -> stage.getBatchSize.toString) else Map())
    // "auto": the preprocessing the model records (the zoo's do), else ImageNet's.
    val preset =
      if (stage.getPreset != "auto") stage.getPreset
      else if (model.signature.metadata.contains(ImagePreprocessing.MetadataKey)) name
      else "imagenet"
    val tensor = call_function("onnx_image_tensor", col(stage.getInputCol), lit(preset))
    val spec = model.signature.outputs
      .find(_.name == output)
      .getOrElse(
        throw new IllegalArgumentException(
          s"model has no output '$output'; outputs: " +
            model.signature.outputs.map(_.name).mkString(", ")
        )
      )
    // [N,C,1,1]-style outputs become one flat array per image.
    (2 until spec.rank).foldLeft(OnnxCallColumns.call("onnx_predict", name, Seq(tensor), options))(
      (c, _) => flatten(c)
    )
  }
}
