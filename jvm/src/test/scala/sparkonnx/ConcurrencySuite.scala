package sparkonnx

import java.nio.file.Files
import java.util.concurrent.{Callable, Executors, TimeUnit}

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.runtime.{NativeCounters, SessionPool}

/** Queries from several threads on one session and one model, and every native object closed. */
class ConcurrencySuite extends AnyFunSuite with OnnxSparkSession {

  test("4 concurrent queries: results equal the sequential run, one ORT session, nothing open") {
    // A model variant no other suite uses, so the session count starts here.
    val bytes = Files.readAllBytes(digitsPath) ++ Array[Byte](0xa0.toByte, 0x01, 0x33)
    val before = SessionPool.sessionsCreated
    OnnxModels.register(spark, "digits_concurrent", bytes)
    val data = pixelRows(2000, seed = 21).zipWithIndex.map { case (p, i) => Row(i, p.toSeq) }
    val schema = new StructType().add("id", IntegerType).add("pixels", ArrayType(FloatType))
    spark
      .createDataFrame(spark.sparkContext.parallelize(data.toSeq, 8), schema)
      .createOrReplaceTempView("concurrent_pixels")
    val query = "SELECT id, onnx_predict('digits_concurrent', pixels, map('batchSize', '100')) " +
      "FROM concurrent_pixels"
    def run(): Map[Int, Seq[Float]] =
      spark.sql(query).collect().map(r => r.getInt(0) -> r.getSeq[Float](1)).toMap

    val sequential = run()
    val pool = Executors.newFixedThreadPool(4)
    try {
      val futures = (1 to 4).map(_ =>
        pool.submit(new Callable[Map[Int, Seq[Float]]] {
          override def call(): Map[Int, Seq[Float]] = run()
        })
      )
      futures.foreach(f => assert(f.get(5, TimeUnit.MINUTES) === sequential))
    } finally pool.shutdown()

    assert(sequential.size === 2000)
    assert(SessionPool.sessionsCreated - before === 1)
    assert(NativeCounters.openTensors === 0)
    assert(NativeCounters.openResults === 0)
    val stats = spark.sql("SELECT onnx_runtime_stats() AS s").head().getStruct(0)
    assert(stats.getAs[Long]("openTensors") === 0L)
    assert(stats.getAs[Long]("sessionRuns") > 0L)
  }
}
