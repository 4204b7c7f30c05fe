package sparkonnx

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.functions.onnx_predict

class OnnxPredictSuite extends AnyFunSuite with OnnxSparkSession {

  private lazy val rows = pixelRows(300)
  private lazy val expected = runDigitsDirectly(rows)

  private def floatFrame = {
    val data = rows.zipWithIndex.map { case (pixels, id) => Row(id, pixels.toSeq) }
    val schema = new StructType().add("id", IntegerType).add("pixels", ArrayType(FloatType))
    spark.createDataFrame(spark.sparkContext.parallelize(data.toSeq, 8), schema)
  }

  private def assertMatchesOrt(result: Array[Row]): Unit = {
    assert(result.length === rows.length)
    result.foreach { row =>
      val id = row.getInt(0)
      assert(row.getSeq[Float](1).toArray.sameElements(expected(id)), s"row $id")
    }
  }

  test("SQL over array<float> matches ONNX Runtime run directly") {
    floatFrame.createOrReplaceTempView("digits_float")
    val result = spark.sql("SELECT id, onnx_predict('digits', pixels) FROM digits_float")
    assert(result.schema(1).dataType === ArrayType(FloatType, containsNull = false))
    assertMatchesOrt(result.collect())
  }

  test("array<double> feeds the float input (implicit cast)") {
    floatFrame.createOrReplaceTempView("digits_float")
    val result = spark.sql(
      "SELECT id, onnx_predict('digits', CAST(pixels AS ARRAY<DOUBLE>)) FROM digits_float"
    )
    assertMatchesOrt(result.collect())
  }

  test("Scala DataFrame function, by column and by name") {
    import spark.implicits._
    assertMatchesOrt(floatFrame.select($"id", onnx_predict("digits", $"pixels")).collect())
    assertMatchesOrt(floatFrame.select($"id", onnx_predict("digits", "pixels")).collect())
  }

  test("models registered from Scala by path and by bytes") {
    OnnxModels.register(spark, "digits_path", digitsPath.toString)
    OnnxModels.register(spark, "digits_bytes", java.nio.file.Files.readAllBytes(digitsPath))
    floatFrame.createOrReplaceTempView("digits_float")
    for (name <- Seq("digits_path", "digits_bytes")) {
      assertMatchesOrt(
        spark
          .sql(s"SELECT id, onnx_predict('$name', pixels) FROM digits_float")
          .collect()
      )
    }
    assert(OnnxModels.registered(spark).toSet === Set("digits", "digits_path", "digits_bytes"))
    assert(OnnxModels.unregister(spark, "digits_bytes"))
    assert(!OnnxModels.registered(spark).contains("digits_bytes"))
  }

  test("a model configured at runtime with spark.onnx.model.<name>") {
    spark.conf.set("spark.onnx.model.digits_runtime", digitsPath.toString)
    try {
      floatFrame.createOrReplaceTempView("digits_float")
      assertMatchesOrt(
        spark
          .sql("SELECT id, onnx_predict('digits_runtime', pixels) FROM digits_float")
          .collect()
      )
    } finally spark.conf.unset("spark.onnx.model.digits_runtime")
  }

  test("null rows give null results and no row is lost") {
    val data = Seq(Row(0, rows(0).toSeq), Row(1, null), Row(2, rows(2).toSeq))
    val schema = new StructType().add("id", IntegerType).add("pixels", ArrayType(FloatType))
    val frame = spark.createDataFrame(spark.sparkContext.parallelize(data, 2), schema)
    val result = frame
      .select(frame("id"), onnx_predict("digits", frame("pixels")))
      .orderBy("id")
      .collect()
    assert(result.length === 3)
    assert(result(1).isNullAt(1))
    assert(result(0).getSeq[Float](1).toArray.sameElements(expected(0)))
    assert(result(2).getSeq[Float](1).toArray.sameElements(expected(2)))
  }

  test("the result type is known at analysis time and shows in the schema") {
    val schema = spark.sql("SELECT onnx_predict('digits', array_repeat(1.0F, 64)) AS p").schema
    assert(schema === new StructType().add("p", ArrayType(FloatType, containsNull = false)))
  }

  test("DESCRIBE FUNCTION EXTENDED shows the documentation") {
    val text = spark
      .sql("DESCRIBE FUNCTION EXTENDED onnx_predict")
      .collect()
      .map(_.getString(0))
      .mkString("\n")
    assert(text.contains("Function: onnx_predict"))
    assert(text.contains("Runs the registered ONNX model"))
    assert(text.contains("Examples:"))
  }

  test("registration options are call defaults; a per-model SQL function calls the model") {
    OnnxModels.registerWithOptions(
      spark,
      "digits_fn",
      digitsPath.toString,
      java.util.Map.of("batchSize", "9"),
      false
    )
    OnnxModels.registerFunction(spark, "digits_fn")
    floatFrame.createOrReplaceTempView("digits_float")
    val frame = spark.sql("SELECT id, digits_fn(pixels) FROM digits_float")
    assert(frame.queryExecution.executedPlan.toString.contains("batchSize=9"))
    assertMatchesOrt(frame.collect())
    assert(OnnxModels.unregister(spark, "digits_fn"))
    intercept[org.apache.spark.sql.AnalysisException](
      spark.sql("SELECT digits_fn(pixels) FROM digits_float").collect()
    )
  }
}
