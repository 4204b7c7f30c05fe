package sparkonnx

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.nio.file.{Files, Paths}
import javax.imageio.ImageIO

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OnnxTensor, OrtEnvironment}
import org.apache.spark.ml.linalg.Vector
import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.image.{ImageDecoder, ImagePreprocessing}
import sparkonnx.ml.{ImageFeaturizer, ImagePredictor}

/** The image path from Scala: SQL preprocessing, the zoo's MobileNetV2 through both stages. */
class ImageStagesSuite extends AnyFunSuite with OnnxSparkSession {

  private val zoo = Paths.get("models", "zoo")

  /** A 300x200 gradient, PNG-encoded: deterministic and lossless. */
  private lazy val png: Array[Byte] = {
    val image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB)
    for (y <- 0 until 200; x <- 0 until 300)
      image.setRGB(x, y, (x % 256) << 16 | (y % 256) << 8 | 128)
    val out = new ByteArrayOutputStream()
    ImageIO.write(image, "png", out)
    out.toByteArray
  }

  private lazy val frame = spark.createDataFrame(
    java.util.List.of(Row(1, png)),
    new StructType().add("id", IntegerType).add("image", BinaryType)
  )

  /** The classifier run directly in ORT on the JVM's own preprocessing of the same bytes. */
  private def directProbabilities(): Array[Float] = {
    val tensor = ImagePreprocessing.ImageNet(ImageDecoder.decode(png, Long.MaxValue))
    val env = OrtEnvironment.getEnvironment()
    val session = env.createSession(zoo.resolve("mobilenet_v2.onnx").toString)
    try {
      val input =
        OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(tensor), Array(1L, 3L, 224L, 224L))
      val result = session.run(Map("image" -> input).asJava)
      try result.get(0).getValue.asInstanceOf[Array[Array[Float]]](0)
      finally { result.close(); input.close() }
    } finally session.close()
  }

  test("onnx_image_tensor in SQL: shape, and options for size, layout and normalisation") {
    frame.createOrReplaceTempView("pictures")
    val full = spark.sql("SELECT onnx_image_tensor(image) FROM pictures").head().getSeq[Float](0)
    assert(full.size === 3 * 224 * 224)
    val raw = spark
      .sql(
        "SELECT onnx_image_tensor(image, map('resize', '0', 'size', '2', " +
          "'mean', '0,0,0', 'std', '1,1,1', 'scale', '1', 'layout', 'NHWC')) FROM pictures"
      )
      .head()
      .getSeq[Float](0)
    // The center 2x2 crop of a 300x200 image starts at (149, 99): NHWC, RGB, 0..255.
    assert(raw === Seq(149f, 99f, 128f, 150f, 99f, 128f, 149f, 100f, 128f, 150f, 100f, 128f))
  }

  test("ImagePredictor matches ONNX Runtime, top-k sorted, and so does its saved copy") {
    val labels = Files.readAllLines(zoo.resolve("imagenet_labels.txt")).asScala.toArray
    val stage = new ImagePredictor()
      .setModelPath(zoo.resolve("mobilenet_v2.onnx").toString)
      .setInputCol("image")
      .setLabels(labels)
      .setTopK(3)
    val top = stage.transform(frame).select("predictions").head().getSeq[Row](0)
    val dir = Files.createTempDirectory("predictor").resolve("stage").toString
    stage.write.overwrite().save(dir)
    val loaded = ImagePredictor.load(dir)
    assert(loaded.getTopK === 3 && loaded.getLabels.toSeq === labels.toSeq)
    assert(loaded.transform(frame).select("predictions").head().getSeq[Row](0) === top)
    val expected = directProbabilities()
    val best = expected.indices.sortBy(i => -expected(i)).take(3)
    assert(top.map(_.getInt(0)) === best)
    assert(top.map(_.getString(1)) === best.map(labels(_)))
    top.zip(best).foreach { case (row, i) =>
      assert(math.abs(row.getFloat(2) - expected(i)) < 1e-5)
    }
  }

  test("ImageFeaturizer gives 1280-dimensional ML vectors and round-trips save/load") {
    val stage = new ImageFeaturizer()
      .setModelPath(zoo.resolve("mobilenet_v2_features.onnx").toString)
      .setInputCol("image")
      .setOutputCol("features")
    val features = stage.transform(frame).select("features").head().getAs[Vector](0)
    assert(features.size === 1280)
    val dir = Files.createTempDirectory("featurizer").resolve("stage").toString
    stage.write.overwrite().save(dir)
    val again = ImageFeaturizer
      .load(dir)
      .transform(frame)
      .select("features")
      .head()
      .getAs[Vector](0)
    assert(again === features)
  }
}
