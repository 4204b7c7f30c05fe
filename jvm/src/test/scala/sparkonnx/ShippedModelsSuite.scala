package sparkonnx

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.nio.file.{Files, Paths}
import javax.imageio.ImageIO

import scala.jdk.CollectionConverters._

import org.apache.spark.sql.Row
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.ml.ImagePredictor

/**
 * Models callable by name from `spark.onnx.zoo.dirs`, with no registration: SQL, the ML stages
 * (with the labels the zoo's classifiers record), and image errors that name the file.
 */
class ShippedModelsSuite extends AnyFunSuite with OnnxSparkSession {

  private val zoo = Paths.get("models", "zoo").toAbsolutePath

  override protected def startupConf: Map[String, String] =
    Map("spark.onnx.zoo.dirs" -> zoo.toString)

  /** A folder with a 300x200 gradient PNG and a file that only claims to be a JPEG. */
  private lazy val photos = {
    val dir = Files.createTempDirectory("shipped")
    val image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB)
    for (y <- 0 until 200; x <- 0 until 300)
      image.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | 128)
    val out = new ByteArrayOutputStream()
    ImageIO.write(image, "png", out)
    Files.write(dir.resolve("gradient.png"), out.toByteArray)
    Files.write(dir.resolve("broken.jpg"), Array[Byte](0xff.toByte, 0xd8.toByte, 1, 2, 3))
    dir
  }

  private def files(glob: String) =
    spark.read.format("binaryFile").option("pathGlobFilter", glob).load(photos.toString)

  test("a zoo name scores in SQL without registration, as the registered file does") {
    files("*.png").createOrReplaceTempView("shipped_photos")
    val byName = spark
      .sql(
        "SELECT onnx_predict('mobilenet_v2', onnx_image_tensor(content, 'mobilenet_v2')) " +
          "FROM shipped_photos"
      )
      .head()
      .getSeq[Float](0)
    OnnxModels.register(spark, "mobilenet_registered", zoo.resolve("mobilenet_v2.onnx").toString)
    val registered = spark
      .sql(
        "SELECT onnx_predict('mobilenet_registered', onnx_image_tensor(content, " +
          "'mobilenet_v2')) FROM shipped_photos"
      )
      .head()
      .getSeq[Float](0)
    assert(byName.size === 1000)
    assert(byName === registered)
    assert(!OnnxModels.registered(spark).contains("mobilenet_v2"))
  }

  test("ImagePredictor by zoo name: top-k entries labelled with the model's own labels") {
    val labels = Files.readAllLines(zoo.resolve("imagenet_labels.txt")).asScala.toIndexedSeq
    val top = new ImagePredictor()
      .setModelName("mobilenet_v2")
      .setInputCol("content")
      .setTopK(5)
      .transform(files("*.png"))
      .select("predictions")
      .head()
      .getSeq[Row](0)
    assert(top.size === 5)
    top.foreach { entry =>
      assert(entry.getAs[String]("label") === labels(entry.getAs[Int]("index")))
    }
  }

  test("a corrupt file's error names its path, not '(binary value)'") {
    val error = intercept[Exception] {
      files("*.jpg").selectExpr("onnx_image_tensor(content)").collect()
    }
    val cause = Iterator.iterate[Throwable](error)(_.getCause).takeWhile(_ != null).collectFirst {
      case t: org.apache.spark.SparkThrowable if t.getCondition == "ONNX_INVALID_IMAGE" => t
    }
    assert(cause.isDefined, error)
    val origin = cause.get.getMessageParameters.get("origin")
    assert(origin.startsWith("file:") && origin.endsWith("/broken.jpg"), origin)
  }

  test("names that are not plain file names never reach the folders") {
    Seq("../zoo/mobilenet_v2", "zoo/mobilenet_v2", "nothing_here").foreach { name =>
      checkError(
        intercept[Exception](OnnxModels.lookup(spark, name)),
        "ONNX_MODEL_NOT_FOUND",
        Map("model" -> name, "registered" -> OnnxModels.registered(spark).mkString(", "))
      )
    }
  }
}
