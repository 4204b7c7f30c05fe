package sparkonnx.sql.functions

import org.apache.spark.sql.Column
import org.apache.spark.sql.functions.{call_function, lit, map}

/**
 * `onnx_predict` / `try_onnx_predict` calls as DataFrame columns: the registered SQL function by
 * name, so they work on classic and Spark Connect sessions alike. Used by the user facade
 * (`sparkonnx.functions`) and the ML stages.
 */
object OnnxCallColumns {

  def call(
      function: String,
      model: String,
      inputs: Seq[Column],
      options: Map[String, String]
  ): Column = {
    val optionColumn =
      if (options.isEmpty) Nil
      else Seq(map(options.toSeq.sortBy(_._1).flatMap { case (k, v) => Seq(lit(k), lit(v)) }: _*))
    call_function(function, (lit(model) +: inputs) ++ optionColumn: _*)
  }
}
