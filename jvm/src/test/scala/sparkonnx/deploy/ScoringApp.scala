package sparkonnx.deploy

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.functions.{col, count, expr, lit, sum}

import sparkonnx.OnnxModels
import sparkonnx.functions.onnx_predict

/**
 * A Scala application `spark-submit --class` runs on the standalone cluster
 * (tests/test_deploy_cluster.py): registers the digits model from the application, scores `rows`
 * generated rows with the DataFrame `onnx_predict` and prints one JSON line (row count, sum of ids,
 * checksum) that must equal the Python application's on the same rows.
 *
 * {{{
 * spark-submit --master spark://127.0.0.1:7077 --jars <spark-onnx and onnxruntime jars> \
 *   --conf spark.sql.extensions=sparkonnx.SparkOnnxExtensions \
 *   --class sparkonnx.deploy.ScoringApp app.jar models/digits.onnx 1000000
 * }}}
 */
object ScoringApp {

  // The rows of tests/deploy_score_app.py: 64 pixels from the row id, 8 partitions.
  val Pixels: String =
    (0 until 64).map(i => s"CAST((id * 7 + $i) % 17 AS FLOAT)").mkString("array(", ", ", ")")
  val Partitions = 8

  def main(args: Array[String]): Unit = {
    require(args.length == 2, "usage: ScoringApp <model path> <rows>")
    val (modelPath, rowCount) = (args(0), args(1).toLong)
    val spark = SparkSession.builder().appName("spark-onnx Scala scoring app").getOrCreate()
    try {
      OnnxModels.register(spark, "digits", modelPath)
      val scored = spark
        .range(0, rowCount, 1, Partitions)
        .select(col("id"), onnx_predict("digits", expr(Pixels)).as("p"))
      val summary = scored
        .agg(count(lit(1)), sum(col("id")), sum((col("p")(3) * 1000000).cast("bigint")))
        .first()
      val (rows, ids, checksum) = (summary.getLong(0), summary.getLong(1), summary.getLong(2))
      println(s"""{"rows": $rows, "id_sum": $ids, "checksum": $checksum}""")
    } finally spark.stop()
  }
}
