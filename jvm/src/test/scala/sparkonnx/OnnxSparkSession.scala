package sparkonnx

import java.nio.file.{Files, Path, Paths}

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OnnxTensor, OrtEnvironment, OrtSession}
import org.apache.spark.SparkThrowable
import org.apache.spark.sql.SparkSession
import org.scalatest.{BeforeAndAfterAll, Suite}

import sparkonnx.errors.OnnxErrorConditions

/**
 * The shared test base: a local[2] session configured the way a user does it, with the extension
 * enabled by `spark.sql.extensions` and `digits` registered by configuration.
 */
trait OnnxSparkSession extends BeforeAndAfterAll { self: Suite =>

  protected val digitsPath: Path = Paths.get("models", "digits.onnx").toAbsolutePath

  /** A file of models/testing/text (models/build_text_test_models.py). */
  protected def textPath(name: String): Path =
    Paths.get("models", "testing", "text", name).toAbsolutePath

  /** A toy text model configured the way Connect and spark-sql users do it (docs/text.md). */
  protected def tinyTextConf: Map[String, String] = Map(
    "spark.onnx.model.tiny_text" -> textPath("tiny_encoder.onnx").toString,
    "spark.onnx.text.tiny_text.tokenizer" -> textPath("wordpiece.tokenizer.json").toString
  )

  /**
   * Settings Spark starts with (static ones included), beyond the base's. The base lets models set
   * at run time (`SET spark.onnx.model.<name>`) come from `models/`.
   */
  protected def startupConf: Map[String, String] = Map.empty

  protected lazy val spark: SparkSession = {
    val base = Map(
      "spark.sql.extensions" -> "sparkonnx.SparkOnnxExtensions",
      "spark.ui.enabled" -> "false",
      "spark.sql.shuffle.partitions" -> "2",
      "spark.onnx.model.digits" -> digitsPath.toString,
      "spark.onnx.model.allowedRoots" -> digitsPath.getParent.toString
    )
    (base ++ startupConf)
      .foldLeft(
        SparkSession
          .builder()
          .master("local[2]")
          .appName(getClass.getSimpleName)
      ) { case (builder, (key, value)) =>
        builder.config(key, value)
      }
      .getOrCreate()
  }

  override protected def afterAll(): Unit = {
    try spark.stop()
    finally super.afterAll()
  }

  /** Digit-like rows: 64 pixels with integer values 0..16, fixed by `seed`. */
  protected def pixelRows(count: Int, seed: Int = 7): Array[Array[Float]] = {
    val random = new scala.util.Random(seed)
    Array.fill(count, 64)(random.nextInt(17).toFloat)
  }

  /** The digits model run directly in ONNX Runtime: the independent expected values. */
  protected def runDigitsDirectly(rows: Array[Array[Float]]): Array[Array[Float]] = {
    val env = OrtEnvironment.getEnvironment()
    val session = env.createSession(Files.readAllBytes(digitsPath), new OrtSession.SessionOptions)
    try {
      val input = OnnxTensor.createTensor(env, rows)
      try {
        val result = session.run(Map("pixels" -> input).asJava)
        try result.get(0).getValue.asInstanceOf[Array[Array[Float]]]
        finally result.close()
      } finally input.close()
    } finally session.close()
  }

  /** Asserts the error condition, its parameters and its SQLSTATE, as Spark's `checkError`. */
  protected def checkError(
      error: Throwable,
      condition: String,
      parameters: Map[String, String]
  ): Unit = {
    val throwable = error match {
      case t: SparkThrowable => t
      case other => fail(s"expected a SparkThrowable with $condition, got $other", other)
    }
    assert(throwable.getCondition === condition)
    assert(throwable.getMessageParameters.asScala.toMap === parameters)
    assert(throwable.getSqlState === OnnxErrorConditions.sqlState(condition))
    assert(error.getMessage.startsWith(s"[$condition] "))
  }
}
