package sparkonnx

import java.nio.file.{Files, Paths}

import org.apache.hadoop.fs.Path
import org.apache.spark.ml.param.{Param, ParamMap}
import org.apache.spark.ml.util.{MLReadable, MLWritable}
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.ml.{ImageFeaturizer, ImagePredictor, ModelHolder, OnnxTransformer}

/**
 * Every ML stage's Params, table-driven: each Param set to a value other than its default survives
 * save/load and copy(), with the model the stage holds (SynapseML's `TransformerFuzzing`, STYLE
 * rule 15). A new Param with no row here fails the suite.
 */
class StageParamsSuite extends AnyFunSuite with OnnxSparkSession {

  private type Stage = org.apache.spark.ml.Transformer with ModelHolder with MLWritable

  private case class Case(
      make: () => Stage,
      reader: MLReadable[_ <: Stage],
      values: Map[String, Any]
  )

  private val cases = Seq(
    Case(
      () => new OnnxTransformer(),
      OnnxTransformer,
      Map(
        "inputCols" -> Array("a", "b"),
        "inputNames" -> Array("x", "y"),
        "outputCols" -> Array("o"),
        "outputNames" -> Array("probabilities"),
        "vectorOutput" -> true,
        "batchSize" -> 7
      )
    ),
    Case(
      () => new ImageFeaturizer(),
      ImageFeaturizer,
      Map(
        "inputCol" -> "picture",
        "outputCol" -> "vec",
        "preset" -> "mobilenet_v2",
        "outputName" -> "pooled",
        "batchSize" -> 3
      )
    ),
    Case(
      () => new ImagePredictor(),
      ImagePredictor,
      Map(
        "inputCol" -> "picture",
        "outputCol" -> "top",
        "preset" -> "efficientnet_lite0",
        "outputName" -> "logits",
        "batchSize" -> 2,
        "topK" -> 2,
        "labels" -> Array("cat", "dog"),
        "decode" -> false
      )
    )
  )

  // MLWriter and MLReader use the active session.
  override protected def beforeAll(): Unit = {
    super.beforeAll()
    spark
  }

  /** The two model Params every stage has, checked on their own. */
  private val modelParams = Set("modelName", "modelPath")

  private lazy val digits = Files.readAllBytes(digitsPath)

  /** Another valid model: an unknown protobuf field appended changes its SHA-256 only. */
  private lazy val otherModel = {
    val file = Files.createTempDirectory("stage-params").resolve("other.onnx")
    Files.write(file, digits ++ Array[Byte](0xa0.toByte, 0x01, 0x7f))
  }

  private def comparable(value: Any): Any = value match {
    case array: Array[_] => array.toSeq
    case other => other
  }

  private def withValues(c: Case): Stage = {
    val stage = c.make()
    c.values.foreach { case (name, value) =>
      stage.set(stage.getParam(name).asInstanceOf[Param[Any]], value)
    }
    stage
  }

  private def assertValues(stage: Stage, c: Case): Unit = c.values.foreach { case (name, value) =>
    assert(comparable(stage.getOrDefault(stage.getParam(name))) === comparable(value), name)
  }

  for (c <- cases) {
    val name = c.make().getClass.getSimpleName

    test(s"$name: the table sets every Param to a value other than its default") {
      val stage = c.make()
      assert(stage.params.map(_.name).toSet -- modelParams === c.values.keySet)
      c.values.foreach { case (param, value) =>
        assert(comparable(stage.getDefault(stage.getParam(param)).get) !== comparable(value), param)
      }
    }

    test(s"$name: save/load keeps every Param, the uid and the held model") {
      val stage = withValues(c).setModel(digits)
      val dir = Files.createTempDirectory("stage-params").resolve("stage").toString
      stage.write.save(dir)
      val loaded = c.reader.load(dir)
      assert(loaded.getClass === stage.getClass)
      assert(loaded.uid === stage.uid)
      assertValues(loaded, c)
      // The loaded stage holds the saved copy, by its full URI, whatever the original held.
      val saved = new Path(dir, "model.onnx")
      val qualified = saved
        .getFileSystem(spark.sparkContext.hadoopConfiguration)
        .makeQualified(saved)
        .toString
      assert(loaded.getModelPath === qualified)
      assert(loaded.getModelName === "")
      assert(loaded.modelBytes.get.sameElements(digits))
      // Saved again from the loaded stage: the same Params and model once more.
      val again = Files.createTempDirectory("stage-params").resolve("again").toString
      loaded.write.save(again)
      val twice = c.reader.load(again)
      assertValues(twice, c)
      assert(twice.modelBytes.get.sameElements(digits))
    }

    test(s"$name: copy() keeps every Param and the model; a copied modelPath reads its own") {
      val stage = withValues(c).setModelPath(digitsPath.toString)
      val copied = stage.copy(ParamMap.empty).asInstanceOf[Stage]
      assert(copied.uid === stage.uid)
      assertValues(copied, c)
      assert(copied.getModelPath === digitsPath.toString)
      assert(copied.modelBytes.get.sameElements(digits))
      val other = stage.copy(ParamMap(stage.modelPath -> otherModel.toString)).asInstanceOf[Stage]
      assert(other.modelBytes.get.sameElements(Files.readAllBytes(otherModel)))
      assert(stage.modelBytes.get.sameElements(digits))
    }
  }

  test("a model held in memory is a content-addressed file, the value of modelPath") {
    val first = new OnnxTransformer().setModel(digits)
    val second = new ImagePredictor().setModel(digits)
    val sha = model.OnnxModel.sha256Hex(digits)
    assert(first.getModelPath.startsWith("file:/"))
    assert(first.getModelPath.endsWith(s"/$sha.onnx"))
    assert(second.getModelPath === first.getModelPath)
    assert(Files.readAllBytes(Paths.get(new java.net.URI(first.getModelPath))).sameElements(digits))
  }

  test("setModelName and setModelPath each clear the other; both set is refused on use") {
    val stage = new OnnxTransformer().setModelPath(digitsPath.toString).setModelName("digits")
    assert(stage.getModelPath === "" && stage.getModelName === "digits")
    stage.setModelPath(digitsPath.toString)
    assert(stage.getModelName === "" && stage.getModelPath === digitsPath.toString)
    stage.set(stage.modelName, "digits").setInputCol("pixels")
    val error = intercept[IllegalArgumentException](
      stage.transformSchema(spark.range(1).selectExpr("array_repeat(1.0F, 64) AS pixels").schema)
    )
    assert(error.getMessage.contains("has both modelName (digits) and modelPath"))
  }

  test("setInputCol and setOutputCol are the one-column forms of inputCols and outputCols") {
    val stage = new OnnxTransformer().setInputCol("pixels").setOutputCol("p")
    assert(stage.getInputCols.toSeq === Seq("pixels"))
    assert(stage.getOutputCols.toSeq === Seq("p"))
  }

  test("a missing or invalid held model fails with its condition, naming the stage") {
    val stage = new OnnxTransformer()
    val missing = Paths.get("models", "no-such.onnx").toAbsolutePath.toString
    checkError(
      intercept[Exception](stage.setModelPath(missing)),
      "ONNX_MODEL_FILE_NOT_FOUND",
      Map("model" -> stage.uid, "path" -> missing, "reason" -> "not found")
    )
    val invalid = intercept[Exception](stage.setModel(Array[Byte](1, 2, 3)))
    assert(
      invalid.asInstanceOf[org.apache.spark.SparkThrowable].getCondition ===
        "ONNX_INVALID_MODEL"
    )
    assert(stage.getModelPath === "")
  }
}
