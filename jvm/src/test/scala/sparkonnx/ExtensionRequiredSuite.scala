package sparkonnx

import org.apache.spark.sql.SparkSession
import org.scalatest.funsuite.AnyFunSuite

/**
 * A session started without `spark.sql.extensions` cannot call a model, so registering one there is
 * refused at once, naming the missing setting (not UNRESOLVED_ROUTINE at the first query).
 */
class ExtensionRequiredSuite extends AnyFunSuite with OnnxSparkSession {

  override protected lazy val spark: SparkSession = SparkSession
    .builder()
    .master("local[1]")
    .appName(getClass.getSimpleName)
    .config("spark.ui.enabled", "false")
    .getOrCreate()

  test("register, registerWithOptions and registerFunction name spark.sql.extensions") {
    val expected = Map(
      "setting" -> "spark.sql.extensions",
      "extension" -> "sparkonnx.SparkOnnxExtensions"
    )
    val attempts = Seq[() => Any](
      () => OnnxModels.register(spark, "digits", digitsPath.toString),
      () => OnnxModels.register(spark, "digits", java.nio.file.Files.readAllBytes(digitsPath)),
      () =>
        OnnxModels.registerWithOptions(
          spark,
          "digits",
          digitsPath.toString,
          java.util.Map.of("batchSize", "8"),
          false
        ),
      () => OnnxModels.registerFunction(spark, "digits")
    )
    attempts.foreach { attempt =>
      checkError(intercept[Exception](attempt()), "ONNX_EXTENSION_NOT_ENABLED", expected)
    }
    assert(OnnxModels.registered(spark).isEmpty)
  }
}
