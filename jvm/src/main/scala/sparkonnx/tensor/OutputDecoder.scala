package sparkonnx.tensor

import ai.onnxruntime.OnnxValue
import org.apache.spark.sql.types.DataType

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{TensorSpec, ValueKind}

/**
 * Splits one output value of a batch into per-row Spark values. The Spark type is fixed at analysis
 * time from the output's declared type.
 */
trait OutputDecoder extends Serializable {
  def spec: TensorSpec

  def dataType: DataType

  /** One Spark value per row; `value` is what ORT returned for a batch of `rows` rows. */
  def decode(value: OnnxValue, rows: Int): Array[Any]
}

object OutputDecoder {

  /** The decoder for `spec`, or the analysis error saying its type is not supported. */
  def apply(model: String, spec: TensorSpec, split: OutputSplit): OutputDecoder =
    (spec.kind, split) match {
      case (ValueKind.Tensor, _) => new TensorDecoder(model, spec, split)
      case (ValueKind.SequenceOf(ValueKind.MapOf(_)), OutputSplit.PerRow(_, _)) =>
        new MapSequenceDecoder(model, spec)
      // A bare map or a sequence of tensors is one value for the whole batch, not one per row.
      case _ => throw OnnxErrors.unsupportedTensorType(model, "output", spec)
    }
}
