package sparkonnx.tensor

import ai.onnxruntime.{OnnxTensor, OrtSession}
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow
import org.apache.spark.sql.types.{DataType, StructField, StructType}

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.OnnxModel
import sparkonnx.runtime.{SessionOptions, SessionPool}

/**
 * A model bound to the Spark types of the columns that feed it: one encoder per input, one
 * decoder per output, and the result type. Binding checks everything knowable before a row
 * is read, so it is done at analysis time; scoring then runs a batch per session call.
 */
final class ModelBinding private (
    val modelName: String,
    val model: OnnxModel,
    encoders: Seq[InputEncoder],
    decoders: Seq[OutputDecoder])
  extends Serializable {

  /** One output: its own type. Several: a struct with a field per output, in model order. */
  val dataType: DataType =
    if (decoders.size == 1) decoders.head.dataType
    else StructType(decoders.map(d => StructField(d.spec.name, d.dataType, nullable = false)))

  /**
   * Scores `rows` rows; `inputs(i)(r)` is the value of input i in row r, none of them null.
   * Returns one result per row.
   */
  def score(inputs: Array[Array[Any]], rows: Int, options: SessionOptions): Array[Any] = {
    val session = SessionPool.session(model, options)
    val env = SessionPool.environment
    val feed = new java.util.HashMap[String, OnnxTensor]()
    try {
      encoders.indices.foreach { i =>
        feed.put(encoders(i).spec.name, encoders(i).encode(env, inputs(i), rows))
      }
      val result = run(session, feed)
      try decodeAll(result, rows)
      finally result.close()
    } finally feed.values().forEach(tensor => tensor.close())
  }

  private def run(session: OrtSession, feed: java.util.Map[String, OnnxTensor]) =
    try session.run(feed)
    catch { case e: ai.onnxruntime.OrtException => throw OnnxErrors.runtimeFailure(modelName, e) }

  private def decodeAll(result: OrtSession.Result, rows: Int): Array[Any] = {
    val columns = decoders.map { decoder =>
      val value = result.get(decoder.spec.name).orElseThrow(() =>
        new IllegalStateException(s"model $modelName returned no output ${decoder.spec.name}"))
      decoder.decode(value.asInstanceOf[OnnxTensor], rows)
    }
    if (columns.size == 1) columns.head
    else Array.tabulate[Any](rows)(r => new GenericInternalRow(columns.map(_(r)).toArray))
  }
}

object ModelBinding {

  /**
   * Binds `model` to columns given as (name for errors, Spark type), in model input order.
   * Throws the analysis error that names the model, input and column on any mismatch.
   */
  def bind(modelName: String, model: OnnxModel, columns: Seq[(String, DataType)]): ModelBinding = {
    val inputs = model.signature.inputs
    if (columns.size != inputs.size) {
      throw OnnxErrors.wrongNumInputs(modelName, inputs, columns.size)
    }
    val encoders = inputs.zip(columns).map { case (spec, (column, dataType)) =>
      new InputEncoder(modelName, column, spec, dataType)
    }
    val decoders = model.signature.outputs.map(new OutputDecoder(modelName, _))
    new ModelBinding(modelName, model, encoders, decoders)
  }

}
