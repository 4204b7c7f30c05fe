package sparkonnx.tensor

import ai.onnxruntime.{OnnxMap, OnnxSequence, OnnxValue}
import org.apache.spark.sql.catalyst.util.{ArrayBasedMapData, GenericArrayData}
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, TensorSpec, ValueKind}

/**
 * A `seq(map(k, v))` output, one map per row: what classifiers converted with a ZipMap give
 * (`{class: probability}`). Each becomes a Spark map, its keys sorted so that equal results compare
 * equal (ORT hands the maps over as Java hash maps).
 */
private[tensor] final class MapSequenceDecoder(model: String, val spec: TensorSpec)
    extends OutputDecoder {

  private val keyElement = spec.kind match {
    case ValueKind.SequenceOf(ValueKind.MapOf(key)) => key
    case _ => throw OnnxErrors.unsupportedTensorType(model, "output", spec)
  }

  private val keyType: DataType = keyElement match {
    case ElementType.Int64 => LongType
    case ElementType.StringType => StringType
    case _ => throw OnnxErrors.unsupportedTensorType(model, "output", spec)
  }

  // The value types ORT's Java API reads out of maps.
  private val valueType: DataType = spec.elementType match {
    case ElementType.Float => FloatType
    case ElementType.Double => DoubleType
    case ElementType.Int64 => LongType
    case ElementType.StringType => StringType
    case _ => throw OnnxErrors.unsupportedTensorType(model, "output", spec)
  }

  val dataType: DataType = MapType(keyType, valueType, valueContainsNull = false)

  override def decode(value: OnnxValue, rows: Int): Array[Any] = {
    val maps = value.asInstanceOf[OnnxSequence].getValue
    try {
      if (maps.size != rows) {
        throw OnnxErrors.outputShapeMismatch(model, spec.name, s"[${maps.size}]", rows, 0)
      }
      Array.tabulate[Any](rows)(r => toSpark(maps.get(r).asInstanceOf[OnnxMap]))
    } finally maps.forEach(element => element.close())
  }

  private def toSpark(map: OnnxMap): ArrayBasedMapData = {
    val entries = map.getValue.entrySet().toArray(new Array[java.util.Map.Entry[_, _]](0))
    val sorted = keyElement match {
      case ElementType.Int64 => entries.sortBy(_.getKey.asInstanceOf[java.lang.Long].longValue)
      case _ => entries.sortBy(_.getKey.toString)
    }
    new ArrayBasedMapData(
      new GenericArrayData(sorted.map(e => toSparkValue(e.getKey))),
      new GenericArrayData(sorted.map(e => toSparkValue(e.getValue)))
    )
  }

  /** Boxed Java numbers are already what Spark's generic arrays hold; strings are not. */
  private def toSparkValue(value: Any): Any = value match {
    case text: String => UTF8String.fromString(text)
    case other => other
  }
}
