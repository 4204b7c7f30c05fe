package sparkonnx

import org.apache.spark.sql.Column
import org.apache.spark.sql.functions.col

import sparkonnx.sql.functions.OnnxCallColumns

/**
 * DataFrame functions. Each calls the registered SQL function by name, so it works on classic and
 * Spark Connect sessions alike.
 * {{{
 *   import sparkonnx.functions._
 *   df.select(onnx_predict("digits", $"pixels"))
 *   df.select(try_onnx_predict("digits", Seq($"pixels"), Map("batchSize" -> "256")))
 * }}}
 */
object functions {

  /** Runs the registered model `model` on `inputs`, one column per model input. */
  def onnx_predict(model: String, inputs: Column*): Column =
    call("onnx_predict", model, inputs, Map.empty)

  /** Same as above, with input columns given by name. */
  def onnx_predict(model: String, input: String, moreInputs: String*): Column =
    onnx_predict(model, (input +: moreInputs).map(col): _*)

  /**
   * With call options: `batchSize`, `outputs` (comma-separated output names), `wholeCall` ("true":
   * each row is one complete run with full tensors; see docs/tensors.md).
   */
  def onnx_predict(model: String, inputs: Seq[Column], options: Map[String, String]): Column =
    call("onnx_predict", model, inputs, options)

  /** Like `onnx_predict`, but rows that cannot be scored give null instead of an error. */
  def try_onnx_predict(model: String, inputs: Column*): Column =
    call("try_onnx_predict", model, inputs, Map.empty)

  /** `try_onnx_predict` with call options. */
  def try_onnx_predict(model: String, inputs: Seq[Column], options: Map[String, String]): Column =
    call("try_onnx_predict", model, inputs, options)

  private def call(
      function: String,
      model: String,
      inputs: Seq[Column],
      options: Map[String, String]
  ): Column =
    OnnxCallColumns.call(function, model, inputs, options)
}
