package sparkonnx

import org.apache.spark.sql.SparkSessionExtensions

import sparkonnx.conf.OnnxConf
import sparkonnx.sql.functions.{
  FunctionCatalog,
  ResolveImageTensors,
  ResolveOnnxCalls,
  ResolveOnnxModelInfo,
  ResolveTopKLabels
}
import sparkonnx.sql.planning.{
  ExtractOnnxCalls,
  OnnxEvalStrategy,
  PlanRowwiseCalls,
  ReadColumnarInput
}

/**
 * Enables spark-onnx in a session:
 * {{{
 *   SparkSession.builder()
 *     .config("spark.sql.extensions", "sparkonnx.SparkOnnxExtensions")
 *     .config("spark.onnx.model.digits", "/models/digits.onnx")   // optional
 *     .getOrCreate()
 * }}}
 */
class SparkOnnxExtensions extends (SparkSessionExtensions => Unit) {
  override def apply(extensions: SparkSessionExtensions): Unit = {
    // Registers the settings with Spark before any session exists: SET -v lists them and SET
    // refuses the static ones from the first statement on.
    OnnxConf.register()
    FunctionCatalog.functions.foreach(extensions.injectFunction)
    extensions.injectResolutionRule(session => ResolveOnnxCalls(session))
    extensions.injectResolutionRule(session => ResolveOnnxModelInfo(session))
    extensions.injectResolutionRule(session => ResolveImageTensors(session))
    extensions.injectResolutionRule(session => ResolveTopKLabels(session))
    extensions.injectPreCBORule(_ => ExtractOnnxCalls)
    extensions.injectPlannerStrategy(session => OnnxEvalStrategy(session))
    extensions.injectColumnar(_ => PlanRowwiseCalls)
    extensions.injectColumnar(_ => ReadColumnarInput)
  }
}
