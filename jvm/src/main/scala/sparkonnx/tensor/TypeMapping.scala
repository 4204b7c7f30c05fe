package sparkonnx.tensor

import org.apache.spark.sql.types._

import sparkonnx.model.ElementType

/** Which Spark types feed which ONNX element types, and what Spark type each output becomes. */
object TypeMapping {

  /**
   * Spark leaf types (of scalars and arrays) that convert to `element` without surprises. Widening
   * only, plus the double → float narrowing every float model needs (Spark's default fractional is
   * double), the same for the half-precision floats, and signed integers into uint8, whose values
   * are checked to be 0..255 as rows are read.
   */
  def feeds(element: ElementType): Seq[DataType] = element match {
    case ElementType.Float => Seq(FloatType, DoubleType, ByteType, ShortType, IntegerType)
    case ElementType.Double =>
      Seq(DoubleType, FloatType, ByteType, ShortType, IntegerType, LongType)
    case ElementType.Float16 | ElementType.BFloat16 => Seq(FloatType, DoubleType)
    case ElementType.Int64 => Seq(LongType, IntegerType, ShortType, ByteType)
    case ElementType.Int32 => Seq(IntegerType, ShortType, ByteType)
    case ElementType.Int16 => Seq(ShortType, ByteType)
    case ElementType.Int8 => Seq(ByteType)
    case ElementType.UInt8 => Seq(ByteType, ShortType, IntegerType)
    case ElementType.Bool => Seq(BooleanType)
    case ElementType.StringType => Seq(StringType)
    case _ => Seq.empty
  }

  /** ML vectors feed what doubles feed: their values are doubles. */
  def vectorsFeed(element: ElementType): Boolean =
    element != ElementType.StringType && feeds(element).contains(DoubleType)

  /** A `binary` column feeds a uint8 input, one byte string per row, its bytes as they are. */
  def binaryFeeds(element: ElementType): Boolean = element == ElementType.UInt8

  /**
   * Spark ML's vector type (and the older `mllib` one, stored the same way). Matched by class name
   * so that spark-mllib stays optional on the classpath of spark-sql-only applications.
   */
  def isVector(dataType: DataType): Boolean = dataType match {
    case udt: UserDefinedType[_] => VectorUdtClasses.contains(udt.getClass.getName)
    case _ => false
  }

  private val VectorUdtClasses =
    Set("org.apache.spark.ml.linalg.VectorUDT", "org.apache.spark.mllib.linalg.VectorUDT")

  /** The Spark type of one element of an output tensor, if we can represent it. */
  def outputLeaf(element: ElementType): Option[DataType] = element match {
    case ElementType.Float => Some(FloatType)
    case ElementType.Double => Some(DoubleType)
    // Spark has no half-precision type; every float16 and bfloat16 is exactly a float.
    case ElementType.Float16 | ElementType.BFloat16 => Some(FloatType)
    case ElementType.Int64 => Some(LongType)
    case ElementType.Int32 => Some(IntegerType)
    case ElementType.Int16 => Some(ShortType)
    case ElementType.Int8 => Some(ByteType)
    // Spark has no unsigned types: widen so values 128..255 stay positive.
    case ElementType.UInt8 => Some(ShortType)
    case ElementType.Bool => Some(BooleanType)
    case ElementType.StringType => Some(StringType)
    case _ => None
  }

  /** True when Spark stores `leaf` exactly as ONNX stores `element`, so bytes copy as they are. */
  def sameLayout(leaf: DataType, element: ElementType): Boolean = (leaf, element) match {
    case (FloatType, ElementType.Float) | (DoubleType, ElementType.Double) |
        (LongType, ElementType.Int64) | (IntegerType, ElementType.Int32) |
        (ShortType, ElementType.Int16) | (ByteType, ElementType.Int8) =>
      true
    case _ => false
  }

  /** A column type's leaf and how many array levels wrap it. */
  def leafAndDepth(dataType: DataType): (DataType, Int) = dataType match {
    case ArrayType(element, _) =>
      val (leaf, depth) = leafAndDepth(element)
      (leaf, depth + 1)
    case other => (other, 0)
  }

  /** Column types an input accepts, for error messages. */
  def describeFeeds(element: ElementType): Seq[String] = {
    val leaves = feeds(element).map(_.simpleString)
    leaves ++ leaves.map(leaf => s"array<$leaf> (nested arrays too)") ++
      (if (vectorsFeed(element)) Seq("vector") else Nil) ++
      (if (binaryFeeds(element)) Seq("binary") else Nil)
  }
}
