package example;

import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import sparkonnx.OnnxModels;

/**
 * spark-onnx from Java: registers the digits model given as the first argument and scores one
 * row of 64 pixels in SQL. Run with spark-submit (bin/examples shows how).
 */
public final class ScoreDigits {
  private ScoreDigits() {}

  public static void main(String[] args) {
    SparkSession spark =
        SparkSession.builder()
            .appName("spark-onnx-java-example")
            .config("spark.sql.extensions", "sparkonnx.SparkOnnxExtensions")
            .getOrCreate();
    try {
      OnnxModels.register(spark, "digits", args[0]);
      List<Row> rows =
          spark
              .sql("SELECT onnx_predict('digits', array_repeat(CAST(8 AS FLOAT), 64)) AS p")
              .collectAsList();
      System.out.println("java probabilities " + rows.get(0).getList(0));
    } finally {
      spark.stop();
    }
  }
}
