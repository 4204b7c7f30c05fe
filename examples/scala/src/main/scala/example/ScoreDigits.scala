package example

import org.apache.spark.sql.SparkSession

import sparkonnx.OnnxModels
import sparkonnx.functions.onnx_predict

/**
 * spark-onnx from Scala: registers the digits model given as the first argument and scores one
 * row of 64 pixels with the DataFrame function.
 */
object ScoreDigits {
  def main(args: Array[String]): Unit = {
    val spark = SparkSession
      .builder()
      .master("local[1]")
      .appName("spark-onnx-scala-example")
      .config("spark.ui.enabled", "false")
      .config("spark.sql.extensions", "sparkonnx.SparkOnnxExtensions")
      .getOrCreate()
    try {
      import spark.implicits._
      OnnxModels.register(spark, "digits", args(0))
      val pixels = Seq(Array.fill(64)(8.0f)).toDF("pixels")
      val probabilities = pixels.select(onnx_predict("digits", $"pixels")).head().getSeq[Float](0)
      println(s"scala probabilities ${probabilities.mkString("[", ", ", "]")}")
    } finally spark.stop()
  }
}
