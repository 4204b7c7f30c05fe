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

  // ---- Bad images are conditions, not raw JVM errors (issue 14) ----

  /** A 64x64 noisy JPEG: enough entropy-coded data that cutting it loses pixels. */
  private lazy val jpeg: Array[Byte] = {
    val random = new scala.util.Random(7)
    val image = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR)
    for (y <- 0 until 64; x <- 0 until 64) image.setRGB(x, y, random.nextInt(0x1000000))
    val out = new ByteArrayOutputStream()
    ImageIO.write(image, "jpg", out)
    out.toByteArray
  }

  /** A 4-component (CMYK-style) JPEG, written from a raw 4-band raster. */
  private lazy val cmykJpeg: Array[Byte] = {
    val raster = java.awt.image.Raster.createInterleavedRaster(
      java.awt.image.DataBuffer.TYPE_BYTE,
      32,
      32,
      4,
      null
    )
    for (y <- 0 until 32; x <- 0 until 32; b <- 0 until 4) raster.setSample(x, y, b, (x * 8 + b))
    val writer = ImageIO.getImageWritersByFormatName("jpeg").next()
    val out = new ByteArrayOutputStream()
    val stream = ImageIO.createImageOutputStream(out)
    writer.setOutput(stream)
    writer.write(null, new javax.imageio.IIOImage(raster, null, null), null)
    stream.close()
    writer.dispose()
    out.toByteArray
  }

  private def badImage(bytes: => Any): String =
    intercept[ImageDecoder.BadImage](bytes).reason

  /** The condition `onnx_image_tensor` raises on `query`'s image, found in the cause chain. */
  private def invalidImage(query: String): org.apache.spark.SparkThrowable = {
    val error = intercept[Exception](spark.sql(query).collect())
    Iterator
      .iterate[Throwable](error)(_.getCause)
      .takeWhile(_ != null)
      .collectFirst {
        case e: org.apache.spark.SparkThrowable if e.getCondition == "ONNX_INVALID_IMAGE" => e
      }
      .getOrElse(fail("no ONNX_INVALID_IMAGE in the cause chain", error))
  }

  private def binaryView(name: String, bytes: Array[Byte]): Unit =
    spark
      .createDataFrame(
        java.util.List.of(Row(bytes)),
        new StructType().add("image", BinaryType)
      )
      .createOrReplaceTempView(name)

  test("an image struct claiming 65536x65536, or more data than it holds, is ONNX_INVALID_IMAGE") {
    assert(
      badImage(ImageDecoder.fromSparkImage(65536, 65536, 3, Array[Byte](1, 2, 3), Long.MaxValue))
        .contains("65536x65536x3")
    )
    assert(
      badImage(ImageDecoder.fromSparkImage(10, 10, 3, new Array[Byte](5), Long.MaxValue))
        .contains("expected 10x10x3 = 300")
    )
    val struct = "named_struct('origin', 'claimed', 'height', %d, 'width', %d, " +
      "'nChannels', 3, 'mode', 16, 'data', X'010203')"
    for ((w, h) <- Seq((65536, 65536), (300, 300))) {
      val image = struct.format(h, w)
      assert(spark.sql(s"SELECT try_onnx_image_tensor($image)").head().isNullAt(0))
      val error = invalidImage(s"SELECT onnx_image_tensor($image)")
      assert(error.getMessageParameters.asScala.values.mkString.contains("claimed"))
    }
  }

  test("a truncated JPEG is ONNX_INVALID_IMAGE (null under try_), not gray pixels") {
    assert(ImageDecoder.decode(jpeg, Long.MaxValue).width === 64)
    val truncated = jpeg.take(jpeg.length / 2)
    assert(badImage(ImageDecoder.decode(truncated, Long.MaxValue)).contains("truncated"))
    binaryView("truncated_jpeg", truncated)
    assert(spark.sql("SELECT try_onnx_image_tensor(image) FROM truncated_jpeg").head().isNullAt(0))
    invalidImage("SELECT onnx_image_tensor(image) FROM truncated_jpeg")
  }

  test("a CMYK/YCCK JPEG is refused with its reason, not decoded to wrong colours") {
    assert(ImageDecoder.jpegComponents(jpeg) === Some(3))
    assert(ImageDecoder.jpegComponents(cmykJpeg) === Some(4))
    assert(badImage(ImageDecoder.decode(cmykJpeg, Long.MaxValue)).contains("CMYK"))
    binaryView("cmyk_jpeg", cmykJpeg)
    assert(spark.sql("SELECT try_onnx_image_tensor(image) FROM cmyk_jpeg").head().isNullAt(0))
    val error = invalidImage("SELECT onnx_image_tensor(image) FROM cmyk_jpeg")
    assert(error.getMessageParameters.asScala.values.mkString.contains("CMYK"))
  }

  test("a decode reserves its header estimate (16-bit samples: 2 bytes each) and releases it") {
    val raster = java.awt.image.Raster.createInterleavedRaster(
      java.awt.image.DataBuffer.TYPE_USHORT,
      40,
      30,
      3,
      null
    )
    val model = new java.awt.image.ComponentColorModel(
      java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB),
      false,
      false,
      java.awt.Transparency.OPAQUE,
      java.awt.image.DataBuffer.TYPE_USHORT
    )
    val out = new ByteArrayOutputStream()
    ImageIO.write(new BufferedImage(model, raster, false, null), "png", out)
    val seen = ImageDecoder.decodeWith(out.toByteArray, Long.MaxValue)(_ =>
      sparkonnx.image.DecodeBudget.reserved
    )
    assert(seen >= 40L * 30 * (3 * 2 + 7))
    assert(sparkonnx.image.DecodeBudget.reserved === 0L)
  }
}
