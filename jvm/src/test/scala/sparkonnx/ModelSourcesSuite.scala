package sparkonnx

import java.net.{ServerSocket, SocketTimeoutException}
import java.nio.file.{Files, Path}

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.AnalysisException
import org.scalatest.funsuite.AnyFunSuite

/**
 * Models named at run time (`SET spark.onnx.model.<name>`) come only from the allowed roots, no
 * model is fetched over http/ftp, and a refusal or a bad file tells nothing about what a path holds
 * or whether it exists.
 */
class ModelSourcesSuite extends AnyFunSuite with OnnxSparkSession {

  private lazy val root: Path = Files.createTempDirectory("allowed-models")
  private lazy val outside: Path = Files.createTempDirectory("other-files")

  override protected def startupConf: Map[String, String] = Map(
    "spark.onnx.model.allowedRoots" -> root.toString,
    // Configured when Spark starts: trusted, though outside the root.
    "spark.onnx.model.startup" -> digitsPath.toString
  )

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    Files.copy(digitsPath, root.resolve("digits.onnx"))
    Files.writeString(outside.resolve("secret.txt"), "root:$6$saltsalt$hash:19000:0:99999:7:::\n")
    Files.writeString(root.resolve("text.onnx"), "root:$6$saltsalt$hash:19000:0:99999:7:::\n")
    Files.write(root.resolve("noise.onnx"), Array.tabulate[Byte](300)(i => (i * 37 + 11).toByte))
    Files.createDirectory(root.resolve("folder.onnx"))
    Files.createSymbolicLink(root.resolve("link.onnx"), outside.resolve("secret.txt"))
    Files.copy(digitsPath, outside.resolve("digits.onnx"))
  }

  /** Sets `spark.onnx.model.x=path` as a SQL session would, and describes it. */
  private def describe(path: String): String = {
    spark.sql(s"SET spark.onnx.model.x=$path")
    try spark.sql("SELECT onnx_model_info('x')").head().getString(0)
    finally spark.conf.unset("spark.onnx.model.x")
  }

  private def failure(path: String): AnalysisException =
    intercept[AnalysisException](describe(path))

  private val NotAllowed = "ONNX_MODEL_SOURCE_NOT_ALLOWED"

  test("a model set at run time under an allowed root loads") {
    assert(describe(root.resolve("digits.onnx").toString).contains("pixels"))
    assert(describe("file:" + root.resolve("digits.onnx")).contains("pixels"))
    // spark.onnx.model.allowedRoots is a setting, not a model named allowedRoots.
    assert(!OnnxModels.registered(spark).contains("allowedRoots"))
    assert(
      intercept[AnalysisException](
        spark.sql("SELECT onnx_model_info('allowedRoots')")
      ).getCondition === "ONNX_MODEL_NOT_FOUND"
    )
  }

  test("a host file set at run time is refused, the same way whether or not it exists") {
    val existing = failure("/etc/passwd")
    val missing = failure("/etc/no-such-file")
    val secret = failure(outside.resolve("secret.txt").toString)
    Seq(
      existing -> "/etc/passwd",
      missing -> "/etc/no-such-file",
      secret -> outside.resolve("secret.txt").toString
    ).foreach { case (error, path) =>
      checkError(
        error,
        NotAllowed,
        Map(
          "model" -> "x",
          "path" -> path,
          "setting" -> "spark.onnx.model.allowedRoots",
          "allowed" -> root.toString
        )
      )
    }
    assert(
      existing.getMessage.replace("/etc/passwd", "P") ===
        missing.getMessage.replace("/etc/no-such-file", "P")
    )
    assert(!secret.getMessage.contains("saltsalt"))
  }

  test("climbing out of the root, or a symlink out of it, is refused") {
    Seq(
      root.resolve("../" + outside.getFileName + "/digits.onnx").toString,
      s"$root/../../etc/passwd",
      root.resolve("link.onnx").toString,
      "digits.onnx",
      "file:digits.onnx"
    ).foreach { path =>
      assert(failure(path).getCondition === NotAllowed, path)
    }
  }

  test("another file system or host than the root's is refused without being contacted") {
    Seq(
      "hdfs://10.255.255.1:8020/models/m.onnx",
      s"file://evil$root/digits.onnx",
      "s3a://bucket/m.onnx"
    ).foreach { path =>
      assert(failure(path).getCondition === NotAllowed, path)
    }
  }

  test("no model is fetched over http, https or ftp: the server never sees a request") {
    val server = new ServerSocket(0)
    try {
      server.setSoTimeout(300)
      val port = server.getLocalPort
      Seq(
        s"http://127.0.0.1:$port/m.onnx",
        s"https://127.0.0.1:$port/m.onnx",
        s"ftp://127.0.0.1:$port/m.onnx",
        s"HTTP://127.0.0.1:$port/m.onnx"
      ).foreach { url =>
        val scheme = url.takeWhile(_ != ':').toLowerCase
        checkError(
          failure(url),
          "ONNX_MODEL_SCHEME_NOT_ALLOWED",
          Map(
            "model" -> "x",
            "path" -> url,
            "scheme" -> scheme,
            "setting" -> "spark.onnx.model.allowedUrlSchemes",
            "allowed" -> "(none)"
          )
        )
        // The application may not fetch one either, unless Spark started allowing it.
        val registered = intercept[AnalysisException](OnnxModels.register(spark, "web", url))
        assert(registered.getCondition === "ONNX_MODEL_SCHEME_NOT_ALLOWED")
      }
      intercept[SocketTimeoutException](server.accept())
    } finally server.close()
  }

  test("files that are not models get one message, whatever they hold") {
    val reasons = Seq("text.onnx", "noise.onnx").map { file =>
      val error = failure(root.resolve(file).toString)
      assert(error.getCondition === "ONNX_INVALID_MODEL")
      assert(error.getCause === null, "the parser's message stays out of the error")
      assert(!error.getMessage.contains("saltsalt"))
      error.getMessageParameters.get("reason")
    }
    assert(reasons.distinct === Seq(sparkonnx.model.ModelLoader.NotAModel))
  }

  test("a directory is a clear error") {
    checkError(
      failure(root.resolve("folder.onnx").toString),
      "ONNX_MODEL_FILE_NOT_FOUND",
      Map(
        "model" -> "x",
        "path" -> root.resolve("folder.onnx").toString,
        "reason" -> "it is a directory, not a model file"
      )
    )
  }

  test("a model configured when Spark started is trusted; SET to another value is not") {
    assert(spark.sql("SELECT onnx_model_info('startup')").head().getString(0).contains("pixels"))
    spark.conf.set("spark.onnx.model.startup", outside.resolve("digits.onnx").toString)
    try {
      assert(
        intercept[AnalysisException](
          spark.sql("SELECT onnx_model_info('startup')")
        ).getCondition === NotAllowed
      )
      spark.conf.set("spark.onnx.model.startup", digitsPath.toString) // the startup value
      assert(
        spark
          .sql("SELECT onnx_model_info('startup')")
          .head()
          .getString(0)
          .contains("pixels")
      )
    } finally spark.conf.unset("spark.onnx.model.startup")
  }

  test("the application registers from any file system path") {
    OnnxModels.register(spark, "app", outside.resolve("digits.onnx").toString)
    try
      assert(
        spark
          .sql("SELECT size(onnx_predict('app', array_repeat(1.0F, 64)))")
          .head()
          .getInt(0) === 10
      )
    finally OnnxModels.unregister(spark, "app")
  }

  test("every refusal is a SparkThrowable with a spark-onnx condition, not a raw JVM error") {
    Seq(
      "/etc/shadow",
      "/dev/zero",
      "http://127.0.0.1:1/x",
      "",
      "::",
      "hdfs://",
      root.resolve("text.onnx").toString
    ).foreach { path =>
      val error = intercept[Exception](describe(path))
      assert(error.isInstanceOf[SparkThrowable], s"$path: $error")
      assert(error.asInstanceOf[SparkThrowable].getCondition.startsWith("ONNX_"), s"$path: $error")
    }
  }
}
