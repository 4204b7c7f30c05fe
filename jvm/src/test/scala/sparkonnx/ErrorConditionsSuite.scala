package sparkonnx

import java.nio.file.Files

import org.apache.spark.sql.AnalysisException
import org.scalatest.funsuite.AnyFunSuite

/** Each error condition, with its exact parameters, and the session still working after. */
class ErrorConditionsSuite extends AnyFunSuite with OnnxSparkSession {

  private def sqlError(query: String): Throwable =
    intercept[AnalysisException](spark.sql(query).collect())

  private val analysisErrors = Seq(
    (
      "unknown model",
      "SELECT onnx_predict('nope', array_repeat(1.0F, 64))",
      "ONNX_MODEL_NOT_FOUND",
      Map("model" -> "nope", "registered" -> "digits")
    ),
    (
      "too many inputs",
      "SELECT onnx_predict('digits', array_repeat(1.0F, 64), array_repeat(1.0F, 64))",
      "ONNX_WRONG_NUM_INPUTS",
      Map("model" -> "digits", "expected" -> "1", "inputNames" -> "(pixels)", "actual" -> "2")
    ),
    (
      "no inputs",
      "SELECT onnx_predict('digits')",
      "ONNX_WRONG_NUM_INPUTS",
      Map("model" -> "digits", "expected" -> "1", "inputNames" -> "(pixels)", "actual" -> "0")
    ),
    (
      "string column into a float input",
      "SELECT onnx_predict('digits', s) FROM VALUES (array('a')) AS t(s)",
      "ONNX_INPUT_TYPE_MISMATCH",
      Map(
        "model" -> "digits",
        "input" -> "pixels",
        "column" -> "s",
        "columnType" -> "array<string>",
        "elementType" -> "float",
        "shape" -> "[?,64]",
        "supported" -> ("float, double, tinyint, smallint, int, array<float> (nested arrays " +
          "too), array<double> (nested arrays too), array<tinyint> (nested arrays too), " +
          "array<smallint> (nested arrays too), array<int> (nested arrays too), vector")
      )
    ),
    (
      "bigint column into a float input is a lossy cast",
      "SELECT onnx_predict('digits', array(1L)) ",
      "ONNX_INPUT_TYPE_MISMATCH",
      null
    ),
    (
      "model name that is not a constant",
      "SELECT onnx_predict(name, array_repeat(1.0F, 64)) FROM VALUES ('digits') AS t(name)",
      "ONNX_MODEL_NAME_NOT_CONSTANT",
      Map("function" -> "onnx_predict", "expression" -> "name")
    ),
    (
      "labels from a model that records none",
      "SELECT onnx_top_k(onnx_predict('digits', array_repeat(1.0F, 64)), 3, 'digits')",
      "ONNX_MODEL_HAS_NO_LABELS",
      Map("model" -> "digits", "function" -> "onnx_top_k")
    )
  )

  analysisErrors.foreach { case (title, query, condition, parameters) =>
    test(s"analysis error: $title") {
      val error = sqlError(query)
      if (parameters != null) checkError(error, condition, parameters)
      else assert(error.asInstanceOf[AnalysisException].getCondition === condition)
      // The session still answers.
      assert(
        spark
          .sql("SELECT size(onnx_predict('digits', array_repeat(1.0F, 64)))")
          .head()
          .getInt(0) === 10
      )
    }
  }

  test("runtime error: an array of the wrong length names model, input and column") {
    val error = intercept[Exception] {
      spark
        .sql("SELECT onnx_predict('digits', p) FROM VALUES (array_repeat(1.0F, 63)) AS t(p)")
        .collect()
    }
    val cause = Iterator
      .iterate[Throwable](error)(_.getCause)
      .takeWhile(_ != null)
      .collectFirst {
        case e: org.apache.spark.SparkThrowable if e.getCondition == "ONNX_INPUT_SHAPE_MISMATCH" =>
          e.asInstanceOf[Throwable]
      }
      .getOrElse(fail("no ONNX_INPUT_SHAPE_MISMATCH in the cause chain", error))
    checkError(
      cause,
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map(
        "model" -> "digits",
        "input" -> "pixels",
        "column" -> "p",
        "shape" -> "[?,64]",
        "expected" -> "64 elements per row",
        "actual" -> "63 elements"
      )
    )
  }

  test("runtime error: a null inside an array") {
    val error = intercept[Exception] {
      spark
        .sql(
          "SELECT onnx_predict('digits', p) FROM VALUES " +
            "(array_append(array_repeat(CAST(1.0 AS FLOAT), 63), CAST(NULL AS FLOAT))) AS t(p)"
        )
        .collect()
    }
    assert(
      Iterator.iterate[Throwable](error)(_.getCause).takeWhile(_ != null).exists {
        case e: org.apache.spark.SparkThrowable => e.getCondition == "ONNX_NULL_IN_ARRAY"
        case _ => false
      },
      error
    )
  }

  test("registration error: missing file") {
    val error = intercept[AnalysisException] {
      OnnxModels.register(spark, "missing", "/no/such/model.onnx")
    }
    checkError(
      error,
      "ONNX_MODEL_FILE_NOT_FOUND",
      Map("model" -> "missing", "path" -> "/no/such/model.onnx", "reason" -> "not found")
    )
  }

  test("registration error: random bytes and a truncated model") {
    val random = new Array[Byte](4096)
    new scala.util.Random(3).nextBytes(random)
    val truncated = Files.readAllBytes(digitsPath).take(20000)
    for ((name, bytes) <- Seq("random" -> random, "truncated" -> truncated)) {
      val file = Files.createTempFile(name, ".onnx")
      Files.write(file, bytes)
      val error = intercept[AnalysisException](OnnxModels.register(spark, name, file.toString))
      assert(error.getCondition === "ONNX_INVALID_MODEL")
      assert(error.getMessageParameters.get("model") === name)
      assert(error.getMessageParameters.get("source") === file.toString)
      assert(!OnnxModels.registered(spark).contains(name))
    }
  }

  test("a configured model whose file is missing fails when a query names it") {
    val gone = digitsPath.resolveSibling("gone.onnx").toString // under the allowed root
    spark.conf.set("spark.onnx.model.gone", gone)
    try {
      checkError(
        sqlError("SELECT onnx_predict('gone', array(1.0F))"),
        "ONNX_MODEL_FILE_NOT_FOUND",
        Map("model" -> "gone", "path" -> gone, "reason" -> "not found")
      )
    } finally spark.conf.unset("spark.onnx.model.gone")
  }
}
