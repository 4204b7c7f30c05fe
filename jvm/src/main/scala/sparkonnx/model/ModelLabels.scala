package sparkonnx.model

/**
 * The class names a classifier records in its metadata: `spark_onnx.labels`, one label a line
 * (models/zoo/build_zoo.py writes it; users add it with `onnx.helper.set_model_props`). Read by
 * `ImagePredictor` and by `onnx_top_k(scores, k, 'model')`.
 */
object ModelLabels {

  val MetadataKey = "spark_onnx.labels"

  /** The labels `model` records, by class index, if it records any. */
  def of(model: OnnxModel): Option[Array[String]] =
    model.signature.metadata.get(MetadataKey).map(_.split("\n", -1))
}
