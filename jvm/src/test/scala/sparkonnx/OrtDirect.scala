package sparkonnx

import java.nio.{FloatBuffer, LongBuffer}
import java.nio.file.Path

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OnnxJavaType, OnnxTensor, OrtEnvironment, OrtSession}
import org.apache.spark.sql.Row
import org.scalactic.source.Position
import org.scalatest.Assertions._

/**
 * An n-dimensional value, for comparing a Spark result with ONNX Runtime's: its dims and its
 * elements in row-major order (booleans as 0/1, integers as doubles).
 */
final case class Nd(shape: Seq[Int], values: Seq[Double]) {
  require(
    shape.product == values.length,
    s"shape $shape holds ${shape.product} elements, not ${values.length}"
  )

  /** Index `index` along `axis`: the dims without that axis. */
  def take(axis: Int, index: Int): Nd = {
    val outer = shape.take(axis).product
    val inner = shape.drop(axis + 1).product
    val along = shape(axis)
    val picked = (0 until outer).flatMap { o =>
      val start = (o * along + index) * inner
      values.slice(start, start + inner)
    }
    Nd(shape.patch(axis, Nil, 1), picked)
  }
}

object Nd {

  /**
   * A Spark result value (a scalar or nested arrays; not a struct) as an Nd: its dims from the
   * nesting (the first element's lengths at each depth).
   */
  def of(value: Any): Nd = {
    def dims(v: Any): List[Int] = v match {
      case s: scala.collection.Seq[_] => s.length :: (if (s.isEmpty) Nil else dims(s.head))
      case _ => Nil
    }
    def flat(v: Any): Seq[Double] = v match {
      case s: scala.collection.Seq[_] => s.toSeq.flatMap(flat)
      case f: Float => Seq(f.toDouble)
      case d: Double => Seq(d)
      case l: Long => Seq(l.toDouble)
      case i: Int => Seq(i.toDouble)
      case b: Boolean => Seq(if (b) 1.0 else 0.0)
      case null => fail("null inside a result")
      case other => fail(s"unexpected value ${other.getClass}: $other")
    }
    val values = flat(value)
    val shape = dims(value)
    if (shape.product != values.length) fail(s"ragged result $value")
    Nd(shape, values)
  }
}

/** An input tensor for ONNX Runtime run directly: float or int64, its dims and elements. */
final case class Feed(elementType: OnnxJavaType, shape: Seq[Long], values: Seq[Double])

object Feed {
  def floats(shape: Seq[Long], values: Seq[Any]): Feed =
    Feed(OnnxJavaType.FLOAT, shape, values.map(number))

  def longs(shape: Seq[Long], values: Seq[Any]): Feed =
    Feed(OnnxJavaType.INT64, shape, values.map(number))

  /** Nested Scala/Spark sequences flattened in row-major order. */
  def flatten(value: Any): Seq[Any] = value match {
    case s: scala.collection.Seq[_] => s.toSeq.flatMap(flatten)
    case a: Array[_] => a.toSeq.flatMap(flatten)
    case other => Seq(other)
  }

  /** The dims of nested sequences (the first element's lengths at each depth). */
  def dims(value: Any): Seq[Long] = value match {
    case s: scala.collection.Seq[_] => s.length.toLong +: (if (s.isEmpty) Nil else dims(s.head))
    case _ => Nil
  }

  private def number(v: Any): Double = v match {
    case f: Float => f.toDouble
    case d: Double => d
    case l: Long => l.toDouble
    case i: Int => i.toDouble
    case other => throw new IllegalArgumentException(s"not a number: $other")
  }
}

/**
 * A model run directly in ONNX Runtime's Java API: the independent expected values, never
 * spark-onnx's own code. One session per model file, closed with [[close]].
 */
final class OrtDirect extends AutoCloseable {
  private val env = OrtEnvironment.getEnvironment()
  private val sessions = scala.collection.mutable.Map.empty[Path, OrtSession]

  /** Every output of the model at `path` on `feeds`, by name. */
  def run(path: Path, feeds: Map[String, Feed]): Map[String, Nd] = {
    val session = sessions.getOrElseUpdate(
      path,
      env.createSession(path.toString, new OrtSession.SessionOptions)
    )
    val tensors = feeds.map { case (name, feed) => name -> tensor(feed) }
    try {
      val result = session.run(tensors.asJava)
      try
        result
          .iterator()
          .asScala
          .map { entry =>
            entry.getKey -> nd(entry.getValue.asInstanceOf[OnnxTensor])
          }
          .toMap
      finally result.close()
    } finally tensors.values.foreach(_.close())
  }

  private def tensor(feed: Feed): OnnxTensor = feed.elementType match {
    case OnnxJavaType.FLOAT =>
      OnnxTensor.createTensor(
        env,
        FloatBuffer.wrap(feed.values.map(_.toFloat).toArray),
        feed.shape.toArray
      )
    case OnnxJavaType.INT64 =>
      OnnxTensor.createTensor(
        env,
        LongBuffer.wrap(feed.values.map(_.toLong).toArray),
        feed.shape.toArray
      )
    case other => throw new IllegalArgumentException(s"no feeds of $other")
  }

  private def nd(tensor: OnnxTensor): Nd = {
    val shape = tensor.getInfo.getShape.toSeq.map(_.toInt)
    val values: Seq[Double] = tensor.getInfo.`type` match {
      case OnnxJavaType.FLOAT =>
        val b = tensor.getFloatBuffer; Array.fill(b.remaining())(b.get().toDouble).toSeq
      case OnnxJavaType.INT64 =>
        val b = tensor.getLongBuffer; Array.fill(b.remaining())(b.get().toDouble).toSeq
      case OnnxJavaType.BOOL =>
        val b = tensor.getByteBuffer
        Array.fill(b.remaining())(if (b.get() != 0) 1.0 else 0.0).toSeq
      case other => throw new IllegalArgumentException(s"no outputs of $other")
    }
    Nd(shape, values)
  }

  override def close(): Unit = {
    sessions.values.foreach(_.close())
    sessions.clear()
  }
}

object OrtDirect {

  /** Close enough: |got - want| <= atol + rtol * |want| for every element, and the same dims. */
  def assertClose(got: Nd, want: Nd, clue: => String, rtol: Double = 1e-5, atol: Double = 1e-6)(
      implicit pos: Position
  ): Unit = {
    assert(got.shape === want.shape, s"$clue: dims")
    got.values.zip(want.values).zipWithIndex.foreach { case ((g, w), i) =>
      assert(math.abs(g - w) <= atol + rtol * math.abs(w), s"$clue: element $i is $g, ORT $w")
    }
  }

  /**
   * A Spark result (one output's value, or a struct with a field per output) against ORT's outputs
   * by name.
   */
  def assertSameOutputs(actual: Any, expected: Map[String, Nd], clue: => String)(implicit
      pos: Position
  ): Unit = {
    assert(actual != null, s"$clue: null result, ORT gives $expected")
    val byName: Map[String, Any] =
      if (expected.size == 1) Map(expected.head._1 -> actual)
      else {
        val row = actual.asInstanceOf[Row]
        row.schema.fieldNames.map(f => f -> row.getAs[Any](f)).toMap
      }
    assert(byName.keySet === expected.keySet, s"$clue: outputs")
    expected.foreach { case (name, want) =>
      assertClose(Nd.of(byName(name)), want, s"$clue: $name")
    }
  }
}
