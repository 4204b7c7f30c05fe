package sparkonnx.sql.functions

import scala.util.control.NonFatal

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.catalyst.util.{toPrettySQL, MapData}
import org.apache.spark.sql.types.{BinaryType, StringType, StructType}
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.conf.OnnxConf
import sparkonnx.errors.OnnxErrors
import sparkonnx.model.ModelRegistry
import sparkonnx.image.ImagePreprocessing

/** Turns `onnx_image_tensor` calls into [[ImageTensorEval]], checking types and options. */
case class ResolveImageTensors(session: SparkSession) extends Rule[LogicalPlan] {

  override def apply(plan: LogicalPlan): LogicalPlan = plan.resolveOperators { case operator =>
    operator.transformExpressions {
      case call: ImageTensorCall if call.childrenResolved => resolve(call, sourceOf(operator))
    }
  }

  /**
   * What names an image of encoded bytes in its error: the `path` string column the operator reads
   * (the `binaryFile` source's, kept next to `content`), if there is one.
   */
  private def sourceOf(operator: LogicalPlan): Option[Attribute] =
    operator.children
      .flatMap(_.output)
      .find(a => a.name.equalsIgnoreCase(ImageTensorEval.PathColumn) && a.dataType == StringType)

  /**
   * A named preset, or a registered model that records its own preprocessing, so
   * `onnx_image_tensor(image, 'mobilenet_v2')` uses exactly what that model expects.
   */
  private def presetOrModel(name: String): Map[String, String] =
    if (ImagePreprocessing.Presets.contains(name.toLowerCase)) Map("preset" -> name)
    else {
      val recorded = scala.util
        .Try(ModelRegistry.lookup(session, name))
        .toOption
        .flatMap(_.signature.metadata.get(ImagePreprocessing.MetadataKey))
      recorded.map(ImagePreprocessing.optionsFromMetadata).getOrElse(Map("preset" -> name))
    }

  private def resolve(call: ImageTensorCall, path: Option[Attribute]): ImageTensorEval = {
    val column = toPrettySQL(call.image)
    call.image.dataType match {
      case BinaryType =>
      case struct: StructType if ImageTensorEval.StructFields.forall(struct.fieldNames.contains) =>
      case other => throw OnnxErrors.imageTypeMismatch(call.prettyName, column, other.sql)
    }
    val options: Map[String, String] = if (!call.options.foldable) {
      throw OnnxErrors.invalidOption(
        call.prettyName,
        "options",
        toPrettySQL(call.options),
        "must be a constant preset name or map<string,string>",
        Seq("preset_or_options")
      )
    } else
      call.options.eval() match {
        case preset: UTF8String => presetOrModel(preset.toString)
        case _: MapData => CallOptions.literal(call.options)
        case other =>
          throw OnnxErrors.invalidOption(
            call.prettyName,
            "options",
            String.valueOf(other),
            "must be a preset name or map<string,string>",
            Seq("preset_or_options")
          )
      }
    val preprocessing =
      try ImagePreprocessing.fromOptions(options)
      catch {
        case NonFatal(e) =>
          throw OnnxErrors.invalidOption(
            call.prettyName,
            "options",
            options.toSeq.sorted.map { case (k, v) => s"$k=$v" }.mkString(", "),
            e.getMessage,
            Seq(
              "preset",
              "resize",
              "size",
              "width",
              "height",
              "scale",
              "mean",
              "std",
              "channels",
              "layout"
            )
          )
      }
    val maxPixels = OnnxConf.imageMaxPixels(session)
    val source = if (call.image.dataType == BinaryType) path else None
    ImageTensorEval(call.image, preprocessing, column, maxPixels, call.failOnError, source)
  }
}
