package sparkonnx

import java.nio.file.Paths

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.AnalysisException
import org.scalatest.funsuite.AnyFunSuite

/**
 * Model names and their SQL functions are one case-insensitive namespace, as Spark's functions are:
 * `FnM` and `fnm` are one name, found by any spelling, shown as registered.
 */
class ModelNamesSuite extends AnyFunSuite with OnnxSparkSession {

  private val identityPath =
    Paths.get("models", "testing", "identity_float.onnx").toAbsolutePath.toString

  private val pixels = "array_repeat(1.0F, 64)"
  private val five = "array_repeat(1.0F, 5)"

  /** 10 for digits (probabilities), the struct's field names for identity_float. */
  private def describeResult(sql: String): String =
    spark.sql(sql).schema.head.dataType.simpleString

  test("names differing only in case are one name: a clash is refused unless replace") {
    OnnxModels.register(spark, "FnM", digitsPath.toString)
    try {
      val error = intercept[AnalysisException] {
        OnnxModels.registerWithOptions(
          spark,
          "fnm",
          identityPath,
          java.util.Map.of[String, String](),
          false
        )
      }
      assert(error.getCondition === "ONNX_MODEL_ALREADY_REGISTERED")
      assert(error.getMessageParameters.get("model") === "FnM")
      // The same model under another spelling is harmless.
      OnnxModels.register(spark, "FNM", digitsPath.toString)
      assert(OnnxModels.registered(spark).count(_.equalsIgnoreCase("fnm")) === 1)
      // Any spelling finds it, in SQL too.
      for (spelled <- Seq("FnM", "fnm", "FNM")) {
        assert(describeResult(s"SELECT onnx_predict('$spelled', $pixels)") === "array<float>")
        assert(
          spark.sql(s"SELECT size(onnx_predict('$spelled', $pixels))").head().getInt(0)
            === 10
        )
      }
      // replace=true takes the name, in whatever case it is given.
      OnnxModels.registerWithOptions(
        spark,
        "fnm",
        identityPath,
        java.util.Map.of[String, String](),
        true
      )
      assert(describeResult(s"SELECT onnx_predict('FnM', $five)").startsWith("struct<"))
      assert(OnnxModels.registered(spark).filter(_.equalsIgnoreCase("fnm")) === Seq("fnm"))
    } finally OnnxModels.unregister(spark, "FnM")
    assert(!OnnxModels.registered(spark).exists(_.equalsIgnoreCase("fnm")))
  }

  test(
    "a per-model function calls its own model in any case; unregistering removes " +
      "exactly that model's function"
  ) {
    OnnxModels.register(spark, "FnM", digitsPath.toString)
    OnnxModels.register(spark, "Other", identityPath)
    OnnxModels.registerFunction(spark, "FnM")
    OnnxModels.registerFunction(spark, "other")
    try {
      for (call <- Seq("FnM", "fnm", "FNM")) {
        assert(spark.sql(s"SELECT size($call($pixels))").head().getInt(0) === 10, call)
      }
      assert(describeResult(s"SELECT OTHER($five)").startsWith("struct<"))
      // Registering the function again under another spelling is the same function.
      OnnxModels.registerFunction(spark, "fnm")
      assert(spark.sql(s"SELECT size(FnM($pixels))").head().getInt(0) === 10)
      // A different model cannot take the name, so FnM(x) cannot come to call another model.
      intercept[AnalysisException](OnnxModels.register(spark, "fnm", identityPath))
      assert(spark.sql(s"SELECT size(fnm($pixels))").head().getInt(0) === 10)
      // Unregistering by any spelling removes that model and its function, nothing else.
      assert(OnnxModels.unregister(spark, "FNM"))
      val gone = intercept[AnalysisException](spark.sql(s"SELECT FnM($pixels)").collect())
      assert(gone.getCondition === "UNRESOLVED_ROUTINE", gone.getMessage)
      assert(!OnnxModels.registered(spark).exists(_.equalsIgnoreCase("fnm")))
      assert(describeResult(s"SELECT other($five)").startsWith("struct<"))
      assert(OnnxModels.registered(spark).contains("Other"))
    } finally {
      OnnxModels.unregister(spark, "FnM")
      OnnxModels.unregister(spark, "Other")
    }
    intercept[AnalysisException](spark.sql(s"SELECT other($five)").collect())
  }

  test("a function name another function holds is refused") {
    spark.udf.register("taken_fn", (x: Int) => x + 1)
    OnnxModels.register(spark, "Taken_Fn", digitsPath.toString)
    try {
      val error =
        intercept[IllegalArgumentException](OnnxModels.registerFunction(spark, "Taken_Fn"))
      assert(error.getMessage.contains("already has a temporary function"))
      assert(spark.sql("SELECT taken_fn(1)").head().getInt(0) === 2)
    } finally OnnxModels.unregister(spark, "Taken_Fn")
  }

  test("a configured model is found by any spelling of its name") {
    // digits is configured as spark.onnx.model.digits
    assert(spark.sql(s"SELECT size(onnx_predict('DIGITS', $pixels))").head().getInt(0) === 10)
    spark.conf.set("spark.onnx.model.Configured_Case", digitsPath.toString)
    try {
      assert(
        spark
          .sql(s"SELECT size(onnx_predict('configured_case', $pixels))")
          .head()
          .getInt(0) === 10
      )
      assert(OnnxModels.registered(spark).contains("Configured_Case"))
      // Two settings that differ only in case: only their exact spellings find them.
      spark.conf.set("spark.onnx.model.configured_CASE", digitsPath.toString)
      val error = intercept[AnalysisException](
        spark.sql(s"SELECT onnx_predict('CONFIGURED_CASE', $pixels)").collect()
      )
      assert(error.getCondition === "ONNX_MODEL_NOT_FOUND")
      assert(
        spark
          .sql(s"SELECT size(onnx_predict('configured_CASE', $pixels))")
          .head()
          .getInt(0) === 10
      )
    } finally {
      spark.conf.unset("spark.onnx.model.Configured_Case")
      spark.conf.unset("spark.onnx.model.configured_CASE")
    }
    val unknown = intercept[AnalysisException](
      spark.sql(s"SELECT onnx_predict('configured_case', $pixels)").collect()
    )
    assert(unknown.asInstanceOf[SparkThrowable].getCondition === "ONNX_MODEL_NOT_FOUND")
  }
}
