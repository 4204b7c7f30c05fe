package sparkonnx

import org.apache.spark.sql.Column
import org.apache.spark.sql.functions.{call_function, col, lit}

/**
 * DataFrame functions. Each calls the registered SQL function by name, so it works on classic
 * and Spark Connect sessions alike.
 * {{{
 *   import sparkonnx.functions._
 *   df.select(onnx_predict("digits", $"pixels"))
 * }}}
 */
object functions {

  /** Runs the registered model `model` on `inputs`, one column per model input. */
  def onnx_predict(model: String, inputs: Column*): Column =
    call_function("onnx_predict", lit(model) +: inputs: _*)

  /** Same as above, with input columns given by name. */
  def onnx_predict(model: String, input: String, moreInputs: String*): Column =
    onnx_predict(model, (input +: moreInputs).map(col): _*)
}
