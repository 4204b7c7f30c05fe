package sparkonnx.runtime

import org.apache.spark.SparkContext
import org.apache.spark.broadcast.Broadcast

import sparkonnx.model.OnnxModel

/** Tests: the broadcast a model already has in `sc` (none is made here). */
object ShippingProbe {
  def existingBroadcast(sc: SparkContext, model: OnnxModel): Broadcast[Array[Byte]] = {
    val before = ModelShipping.broadcastCount(sc)
    val broadcast = ModelShipping.broadcast(sc, model)
    assert(ModelShipping.broadcastCount(sc) == before, s"$model had no broadcast yet")
    broadcast
  }
}
