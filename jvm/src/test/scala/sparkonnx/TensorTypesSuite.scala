package sparkonnx

import java.nio.{ByteBuffer, ByteOrder}
import java.nio.file.{Files, Path, Paths}

import scala.jdk.CollectionConverters._

import ai.onnxruntime._
import ai.onnxruntime.platform.Fp16Conversions
import org.apache.spark.ml.linalg.{SQLDataTypes, Vector, Vectors}
import org.apache.spark.sql.{AnalysisException, DataFrame, Row}
import org.apache.spark.sql.types._
import org.scalatest.funsuite.AnyFunSuite

/**
 * Every element type and column kind the engine converts (float16, bfloat16, uint8 from binary and
 * checked integers, ML vectors, struct columns fed by field name, ZipMap map outputs), each
 * compared with the same model run directly in ONNX Runtime; then the types it refuses. The models
 * come from models/build_test_models.py.
 */
class TensorTypesSuite extends AnyFunSuite with OnnxSparkSession {

  private def modelPath(name: String): Path = Paths.get("models", "testing", s"$name.onnx")

  override protected def beforeAll(): Unit = {
    super.beforeAll()
    Files
      .list(modelPath("x").getParent)
      .iterator()
      .asScala
      .map(_.getFileName.toString)
      .filter(_.endsWith(".onnx"))
      .foreach { file =>
        OnnxModels.register(
          spark,
          file.stripSuffix(".onnx"),
          modelPath(file.stripSuffix(".onnx")).toAbsolutePath.toString
        )
      }
  }

  private lazy val env = OrtEnvironment.getEnvironment()

  /** The tensor ORT is fed directly: `bytes` as `kind`, in native order. */
  private def tensor(kind: OnnxJavaType, shape: Array[Long])(put: ByteBuffer => Unit) = {
    val buffer = ByteBuffer
      .allocateDirect(shape.product.toInt * kind.size)
      .order(ByteOrder.nativeOrder())
    put(buffer)
    buffer.rewind()
    OnnxTensor.createTensor(env, buffer, shape, kind)
  }

  /** Each output of `model` run directly in ORT on `feeds`, flattened to Spark-like values. */
  private def direct(model: String, feeds: (String, OnnxTensor)*): Map[String, Seq[Any]] = {
    val session = env.createSession(modelPath(model).toString, new OrtSession.SessionOptions)
    try {
      val result = session.run(feeds.toMap.asJava)
      try result.iterator().asScala.map(e => e.getKey -> flattenOrt(e.getValue)).toMap
      finally result.close()
    } finally {
      session.close()
      feeds.foreach(_._2.close())
    }
  }

  private def flattenOrt(value: OnnxValue): Seq[Any] = value match {
    case t: OnnxTensor =>
      t.getInfo.`type` match {
        case OnnxJavaType.FLOAT16 => shorts(t).map(Fp16Conversions.fp16ToFloat)
        case OnnxJavaType.BFLOAT16 => shorts(t).map(Fp16Conversions.bf16ToFloat)
        case OnnxJavaType.UINT8 =>
          val b = new Array[Byte](t.getByteBuffer.remaining()); t.getByteBuffer.get(b)
          b.toSeq.map(x => (x & 0xff).toShort)
        case _ =>
          t.getValue match {
            case a: Array[_] => flatten(a.toSeq)
            case scalar => Seq(scalar)
          }
      }
    case s: OnnxSequence =>
      s.getValue.asScala.toSeq.map { m =>
        try m.asInstanceOf[OnnxMap].getValue.asScala.toMap
        finally m.close()
      }
  }

  private def shorts(t: OnnxTensor): Seq[Short] = {
    val s = new Array[Short](t.getShortBuffer.remaining()); t.getShortBuffer.get(s); s.toSeq
  }

  private def flatten(values: Seq[Any]): Seq[Any] = values.flatMap {
    case a: Array[_] => flatten(a.toSeq)
    case s: scala.collection.Seq[_] => flatten(s.toSeq)
    case m: scala.collection.Map[_, _] => Seq(m.toMap)
    case other => Seq(other)
  }

  /** The column `x` of `frame` through `model`, output by output, flattened in row order. */
  private def viaSpark(model: String, frame: DataFrame): Map[String, Seq[Any]] = {
    frame.createOrReplaceTempView("t")
    val rows = spark
      .sql(s"SELECT id, onnx_predict('$model', x) AS out FROM t ORDER BY id")
      .collect()
      .map(_.get(1))
    rows.head match {
      case _: Row =>
        val fields = rows.head.asInstanceOf[Row].schema.fieldNames
        fields.map(f => f -> flatten(rows.map(_.asInstanceOf[Row].getAs[Any](f)).toSeq)).toMap
      case _ => Map("y" -> flatten(rows.toSeq))
    }
  }

  /** Equal as stored: NaN equals NaN, and -0.0 differs from 0.0. */
  private def assertSame(actual: Seq[Any], expected: Seq[Any], clue: String): Unit = {
    def key(v: Any): Any = v match {
      case f: Float => ("f", java.lang.Float.floatToIntBits(f))
      case d: Double => ("d", java.lang.Double.doubleToLongBits(d))
      case other => other
    }
    assert(actual.map(key) === expected.map(key), clue)
  }

  private def frame(column: DataType, values: Seq[Any]): DataFrame = spark.createDataFrame(
    spark.sparkContext.parallelize(values.zipWithIndex.map { case (v, i) => Row(i, v) }, 2),
    new StructType().add("id", IntegerType).add("x", column)
  )

  private val floats = Seq(
    Seq(1.0f, -0.0f, 1.0f / 3, 65504.0f),
    Seq(70000.0f, 1e-5f, 6e-8f, -2.5f),
    Seq(Float.NaN, Float.NegativeInfinity, 3.14159f, 1.00048828125f)
  )

  private def halfTensor(toBits: Float => Short, kind: OnnxJavaType) =
    tensor(kind, Array(floats.size.toLong, 4)) { b =>
      floats.flatten.foreach(f => b.putShort(toBits(f)))
    }

  private val bytes = Seq(Array[Byte](0, 1, 127, -128, -1, 42), Array[Byte](9, 8, 7, 6, 5, 4))
  private def uint8Tensor = tensor(OnnxJavaType.UINT8, Array(2L, 2, 3)) { b =>
    bytes.foreach(b.put)
  }
  private val unsigned = bytes.map(_.map(x => x & 0xff).toSeq)

  private val vectors: Seq[Vector] = Seq(
    Vectors.dense(1.5, -2, 0, 3.25, 1e10),
    Vectors.sparse(5, Array(1, 4), Array(7.0, -0.125)),
    Vectors.sparse(5, Array(), Array())
  )
  private def vectorTensor(kind: OnnxJavaType) = tensor(kind, Array(3L, 5)) { b =>
    vectors
      .flatMap(_.toArray)
      .foreach(v => if (kind == OnnxJavaType.DOUBLE) b.putDouble(v) else b.putFloat(v.toFloat))
  }

  private val conversions: Seq[(String, String, () => DataFrame, () => Map[String, Seq[Any]])] =
    Seq(
      (
        "float16 from array<float>",
        "identity_float16",
        () => frame(ArrayType(FloatType), floats),
        () =>
          direct(
            "identity_float16",
            "x" -> halfTensor(Fp16Conversions.floatToFp16, OnnxJavaType.FLOAT16)
          )
      ),
      (
        "float16 from array<double>",
        "identity_float16",
        () => frame(ArrayType(DoubleType), floats.map(_.map(_.toDouble))),
        () =>
          direct(
            "identity_float16",
            "x" -> halfTensor(Fp16Conversions.floatToFp16, OnnxJavaType.FLOAT16)
          )
      ),
      (
        "bfloat16 from array<float>",
        "identity_bfloat16",
        () => frame(ArrayType(FloatType), floats),
        () =>
          direct(
            "identity_bfloat16",
            "x" -> halfTensor(Fp16Conversions.floatToBf16, OnnxJavaType.BFLOAT16)
          )
      ),
      (
        "float16 output from a float input",
        "cast_float16",
        () => frame(ArrayType(FloatType), floats.map(_.take(3))),
        () =>
          direct(
            "cast_float16",
            "x" -> OnnxTensor.createTensor(env, floats.map(_.take(3).toArray).toArray)
          )
      ),
      (
        "uint8 from binary, reshaped to [2,3]",
        "identity_uint8",
        () => frame(BinaryType, bytes),
        () => direct("identity_uint8", "x" -> uint8Tensor)
      ),
      (
        "uint8 from array<int> 0..255",
        "identity_uint8",
        () => frame(ArrayType(IntegerType), unsigned),
        () => direct("identity_uint8", "x" -> uint8Tensor)
      ),
      (
        "uint8 from array<smallint>",
        "identity_uint8",
        () => frame(ArrayType(ShortType), unsigned.map(_.map(_.toShort))),
        () => direct("identity_uint8", "x" -> uint8Tensor)
      ),
      (
        "uint8 from nested array<array<int>>",
        "identity_uint8",
        () => frame(ArrayType(ArrayType(IntegerType)), unsigned.map(_.grouped(3).toSeq)),
        () => direct("identity_uint8", "x" -> uint8Tensor)
      ),
      (
        "dense and sparse vectors into double",
        "identity_double",
        () => frame(SQLDataTypes.VectorType, vectors),
        () => direct("identity_double", "x" -> vectorTensor(OnnxJavaType.DOUBLE))
      ),
      (
        "dense and sparse vectors into float",
        "identity_float",
        () => frame(SQLDataTypes.VectorType, vectors),
        () => direct("identity_float", "x" -> vectorTensor(OnnxJavaType.FLOAT))
      )
    )

  conversions.foreach { case (title, model, input, expected) =>
    test(s"conversion: $title matches ONNX Runtime run directly") {
      val actual = viaSpark(model, input())
      val wanted = expected()
      assert(actual.keySet === wanted.keySet)
      wanted.foreach { case (name, values) => assertSame(actual(name), values, name) }
    }
  }

  private val logits = Array(Array(0.5f, 2f, -1f), Array(3f, 0f, 0f), Array(-1f, -1f, 4f))

  Seq("zipmap_int64" -> LongType, "zipmap_string" -> StringType).foreach { case (model, key) =>
    test(s"map output: $model gives a label and a map<${key.simpleString},float> per row") {
      val input = frame(ArrayType(FloatType), logits.map(_.toSeq).toSeq)
      input.createOrReplaceTempView("t")
      val result = spark.sql(s"SELECT id, onnx_predict('$model', x) AS out FROM t ORDER BY id")
      assert(
        result.schema("out").dataType === new StructType()
          .add("label", LongType, nullable = false)
          .add(
            "probabilities",
            MapType(key, FloatType, valueContainsNull = false),
            nullable = false
          )
      )
      val expected = direct(model, "x" -> OnnxTensor.createTensor(env, logits))
      val rows = result.collect().map(_.getStruct(1))
      assert(rows.map(_.getLong(0)).toSeq === expected("label"))
      assert(rows.map(_.getMap[Any, Float](1)).toSeq === expected("probabilities"))
    }
  }

  private val weighted = Seq((1f, 2f, 3f), (0.5f, -1f, 0.25f))

  private def weightedDirect: Seq[Any] = {
    def column(f: ((Float, Float, Float)) => Float) =
      OnnxTensor.createTensor(env, weighted.map(f).toArray)
    direct("weighted_sum", "a" -> column(_._1), "b" -> column(_._2), "c" -> column(_._3))("y")
  }

  private val structCalls = Seq(
    "struct in another order" -> "onnx_predict('weighted_sum', struct(c, a, b))",
    "named_struct" -> "onnx_predict('weighted_sum', named_struct('b', b, 'c', c, 'a', a))",
    "struct with options" ->
      "onnx_predict('weighted_sum', struct(b, a, c), map('batchSize', '1'))",
    "positional arguments still" -> "onnx_predict('weighted_sum', a, b, c)"
  )

  structCalls.foreach { case (title, call) =>
    test(s"struct inputs by field name: $title") {
      spark
        .createDataFrame(weighted.zipWithIndex.map { case ((a, b, c), i) => (i, a, b, c) })
        .toDF("id", "a", "b", "c")
        .createOrReplaceTempView("abc")
      val rows = spark.sql(s"SELECT $call FROM abc ORDER BY id").collect().map(_.getFloat(0))
      assert(rows.toSeq === weightedDirect)
    }
  }

  private def cause(error: Throwable, condition: String): Throwable =
    Iterator
      .iterate(error)(_.getCause)
      .takeWhile(_ != null)
      .find {
        case e: org.apache.spark.SparkThrowable => e.getCondition == condition
        case _ => false
      }
      .getOrElse(fail(s"no $condition in the cause chain", error))

  private val floatFeeds = "float, double, tinyint, smallint, int, array<float> (nested arrays " +
    "too), array<double> (nested arrays too), array<tinyint> (nested arrays too), " +
    "array<smallint> (nested arrays too), array<int> (nested arrays too), vector"

  private val refusals: Seq[(String, String, String, Map[String, String])] = Seq(
    (
      "binary into a float input",
      "SELECT onnx_predict('identity_float', X'0102')",
      "ONNX_INPUT_TYPE_MISMATCH",
      Map(
        "model" -> "identity_float",
        "input" -> "x",
        "column" -> "X'0102'",
        "columnType" -> "binary",
        "elementType" -> "float",
        "shape" -> "[?,5]",
        "supported" -> floatFeeds
      )
    ),
    (
      "bigint into uint8",
      "SELECT onnx_predict('identity_uint8', array(1L))",
      "ONNX_INPUT_TYPE_MISMATCH",
      Map(
        "model" -> "identity_uint8",
        "input" -> "x",
        "column" -> "array(1)",
        "columnType" -> "array<bigint>",
        "elementType" -> "uint8",
        "shape" -> "[?,2,3]",
        "supported" -> ("tinyint, smallint, int, array<tinyint> (nested " +
          "arrays too), array<smallint> (nested arrays too), array<int> (nested arrays too), " +
          "binary")
      )
    ),
    (
      "int into float16",
      "SELECT onnx_predict('identity_float16', array(1))",
      "ONNX_INPUT_TYPE_MISMATCH",
      Map(
        "model" -> "identity_float16",
        "input" -> "x",
        "column" -> "array(1)",
        "columnType" -> "array<int>",
        "elementType" -> "float16",
        "shape" -> "[?,4]",
        "supported" -> ("float, double, array<float> (nested arrays too), " +
          "array<double> (nested arrays too), vector")
      )
    ),
    (
      "a uint16 input",
      "SELECT onnx_predict('identity_uint16', array(1))",
      "ONNX_UNSUPPORTED_TENSOR_TYPE",
      Map(
        "model" -> "identity_uint16",
        "role" -> "input",
        "tensor" -> "x",
        "tensorType" -> "uint16[?,2]"
      )
    ),
    (
      "a map input",
      "SELECT onnx_predict('map_input', map('a', 1.0F))",
      "ONNX_UNSUPPORTED_TENSOR_TYPE",
      Map(
        "model" -> "map_input",
        "role" -> "input",
        "tensor" -> "x",
        "tensorType" -> "map(string,float)"
      )
    ),
    (
      "a uint16 output",
      "SELECT onnx_predict('cast_uint16', array(1.0F, 2.0F))",
      "ONNX_UNSUPPORTED_TENSOR_TYPE",
      Map(
        "model" -> "cast_uint16",
        "role" -> "output",
        "tensor" -> "y",
        "tensorType" -> "uint16[?,2]"
      )
    ),
    (
      "a sequence-of-tensors output",
      "SELECT onnx_predict('sequence_output', array(1.0F, 2.0F))",
      "ONNX_UNSUPPORTED_TENSOR_TYPE",
      Map(
        "model" -> "sequence_output",
        "role" -> "output",
        "tensor" -> "s",
        "tensorType" -> "seq(float[unknown rank])"
      )
    ),
    (
      "a struct missing an input",
      "SELECT onnx_predict('weighted_sum', named_struct('a', 1.0F, 'b', 2.0F))",
      "ONNX_INPUT_FIELDS_MISMATCH",
      Map(
        "model" -> "weighted_sum",
        "column" ->
          "named_struct(a, 1.0, b, 2.0)",
        "inputNames" -> "(a, b, c)",
        "missing" -> "c",
        "extra" -> "(none)"
      )
    ),
    (
      "a struct with a field that is no input",
      "SELECT onnx_predict('weighted_sum', named_struct('a', 1F, 'b', 2F, 'C', 3F, 'd', 4F))",
      "ONNX_INPUT_FIELDS_MISMATCH",
      Map(
        "model" -> "weighted_sum",
        "column" ->
          "named_struct(a, 1.0, b, 2.0, C, 3.0, d, 4.0)",
        "inputNames" -> "(a, b, c)",
        "missing" -> "c",
        "extra" -> "C, d"
      )
    )
  )

  refusals.foreach { case (title, query, condition, parameters) =>
    test(s"refused at analysis: $title") {
      checkError(intercept[AnalysisException](spark.sql(query).collect()), condition, parameters)
    }
  }

  private val outOfRange = Seq(
    ("300 in array<int>", "array(1, 2, 3, 300, 5, 6)", "300"),
    ("-1 in array<smallint>", "array(1S, 2S, 3S, 4S, -1S, 6S)", "-1"),
    ("-128 in array<tinyint>", "array(1Y, -128Y, 3Y, 4Y, 5Y, 6Y)", "-128")
  )

  outOfRange.foreach { case (title, values, value) =>
    test(s"uint8 value out of range at run time: $title; try_onnx_predict gives null") {
      val error = intercept[Exception] {
        spark
          .sql(s"SELECT onnx_predict('identity_uint8', x) FROM VALUES ($values) AS t(x)")
          .collect()
      }
      checkError(
        cause(error, "ONNX_VALUE_OUT_OF_RANGE"),
        "ONNX_VALUE_OUT_OF_RANGE",
        Map(
          "model" -> "identity_uint8",
          "input" -> "x",
          "column" -> "x",
          "elementType" -> "uint8",
          "value" -> value,
          "range" -> "0..255"
        )
      )
      val tried = spark
        .sql(
          s"SELECT try_onnx_predict('identity_uint8', x) FROM VALUES " +
            s"($values), (array(0, 1, 2, 3, 4, 255)) AS t(x)"
        )
        .collect()
      assert(tried(0).isNullAt(0))
      assert(tried(1).getStruct(0).getSeq[Seq[Short]](0).flatten === Seq[Short](0, 1, 2, 3, 4, 255))
    }
  }
}
