package sparkonnx

import java.nio.file.Files

import org.apache.spark.ml.{Pipeline, PipelineModel}
import org.apache.spark.ml.classification.LogisticRegression
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator
import org.apache.spark.ml.linalg.{SQLDataTypes, Vector}
import org.apache.spark.ml.param.ParamMap
import org.apache.spark.sql.{DataFrame, Row}
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.ml.OnnxTransformer

class OnnxTransformerSuite extends AnyFunSuite with OnnxSparkSession {

  private lazy val rows = pixelRows(400, seed = 5)
  private lazy val expected = runDigitsDirectly(rows)
  private lazy val labels = expected.map(p => p.indexOf(p.max).toDouble)

  private def frame: DataFrame = {
    val data = rows.indices.map(i => Row(i, labels(i), rows(i).toSeq))
    val schema = new StructType()
      .add("id", IntegerType)
      .add("label", DoubleType)
      .add("pixels", ArrayType(FloatType))
    spark.createDataFrame(spark.sparkContext.parallelize(data, 3), schema)
  }

  private def assertScores(result: DataFrame, column: String): Unit = {
    val got = result.select("id", column).collect()
    assert(got.length === rows.length)
    got.foreach(r => assert(r.getSeq[Float](1).toArray.sameElements(expected(r.getInt(0)))))
  }

  test("a held model scores like ONNX Runtime, in the declared schema") {
    val stage = new OnnxTransformer()
      .setModelPath(digitsPath.toString)
      .setInputCols(Array("pixels"))
      .setOutputCols(Array("p"))
      .setBatchSize(64)
    val result = stage.transform(frame)
    assert(result.schema("p").dataType === ArrayType(FloatType, containsNull = false))
    assert(stage.transformSchema(frame.schema)("p").dataType === result.schema("p").dataType)
    assertScores(result, "p")
  }

  test("a registered model by name, a feed map, and default output column names") {
    val stage = new OnnxTransformer().setModelName("digits").setFeed(Map("pixels" -> "pixels"))
    assertScores(stage.transform(frame), "probabilities")
  }

  test("save and load keep the params and the model bytes; the copy runs with nothing registered") {
    val stage = new OnnxTransformer()
      .setModelName("digits")
      .setInputCols(Array("pixels"))
      .setOutputCols(Array("p"))
      .setBatchSize(32)
    val dir = Files.createTempDirectory("onnx-transformer").resolve("stage").toString
    stage.write.overwrite().save(dir)
    val loaded = OnnxTransformer.load(dir)
    assert(loaded.uid === stage.uid)
    assert(loaded.getBatchSize === 32)
    assert(loaded.getOutputCols.toSeq === Seq("p"))
    assert(loaded.modelBytes.get.sameElements(Files.readAllBytes(digitsPath)))
    // The loaded stage holds the saved copy: modelPath names it, the registered name is gone.
    assert(loaded.getModelName === "")
    assert(loaded.getModelPath.startsWith("file:/") && loaded.getModelPath.endsWith("/model.onnx"))
    val fresh = spark.newSession()
    assert(!OnnxModels.registered(fresh).exists(_.startsWith("onnx_")))
    val data = fresh.createDataFrame(frame.rdd, frame.schema)
    assertScores(loaded.transform(data), "p")
  }

  test("in a Pipeline with LogisticRegression: fit, evaluate, save, load, same predictions") {
    val features = new OnnxTransformer()
      .setModelPath(digitsPath.toString)
      .setInputCols(Array("pixels"))
      .setOutputCols(Array("features"))
      .setVectorOutput(true)
    val pipeline =
      new Pipeline().setStages(Array(features, new LogisticRegression().setMaxIter(30)))
    val model = pipeline.fit(frame)
    val predicted = model.transform(frame)
    assert(predicted.schema("features").dataType === SQLDataTypes.VectorType)
    val accuracy = new MulticlassClassificationEvaluator()
      .setMetricName("accuracy")
      .evaluate(predicted)
    assert(accuracy > 0.8, s"accuracy $accuracy")
    val dir = Files.createTempDirectory("onnx-pipeline").resolve("model").toString
    model.write.overwrite().save(dir)
    val reloaded = PipelineModel.load(dir).transform(frame).select("id", "prediction")
    val before =
      predicted.select("id", "prediction").collect().map(r => r.getInt(0) -> r.getDouble(1))
    assert(reloaded.collect().map(r => r.getInt(0) -> r.getDouble(1)).toMap === before.toMap)
    val vector = predicted.select("features").head().getAs[Vector](0)
    assert(vector.size === 10)
  }

  test("modelPath set through the generic Params API (as PySpark transfers it) is read on use") {
    val stage = new OnnxTransformer().setInputCol("pixels").setOutputCol("p")
    stage.set(stage.modelPath, digitsPath.toString)
    assertScores(stage.transform(frame), "p")
    val copied = stage.copy(ParamMap(stage.batchSize -> 16))
    assert(copied.getModelPath === digitsPath.toString)
    assertScores(copied.transform(frame), "p")
  }

  test("a stage with no model says so") {
    val error = intercept[IllegalArgumentException](
      new OnnxTransformer().setInputCols(Array("pixels")).transform(frame)
    )
    assert(error.getMessage.contains("has no model"))
  }
}
