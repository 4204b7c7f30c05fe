package sparkonnx.runtime

import java.util.{Collections, WeakHashMap}

import scala.collection.concurrent.TrieMap

import org.apache.spark.SparkContext
import org.apache.spark.broadcast.Broadcast

import sparkonnx.model.{LocalFileSource, ModelBytesSource, OnnxModel}

/**
 * Ships model bytes to executors once: one broadcast per model per SparkContext, reused by every
 * query, and read on an executor only when its JVM has no session for the model yet.
 */
object ModelShipping {
  private val broadcasts = Collections.synchronizedMap(
    new WeakHashMap[SparkContext, TrieMap[String, Broadcast[Array[Byte]]]]())

  /** The bytes source for `model`, broadcasting it on first use in `sc` (driver only). */
  def source(sc: SparkContext, model: OnnxModel): ModelBytesSource = model.localFile match {
    case Some(file) => LocalFileSource(file)
    case None => broadcastSource(sc, model)
  }

  private def broadcastSource(sc: SparkContext, model: OnnxModel): ModelBytesSource = {
    val perContext = broadcasts.synchronized {
      broadcasts.computeIfAbsent(sc, _ => TrieMap.empty)
    }
    new BroadcastBytes(perContext.getOrElseUpdate(model.sha256, sc.broadcast(model.bytes)))
  }
}

private final class BroadcastBytes(broadcast: Broadcast[Array[Byte]]) extends ModelBytesSource {
  override def bytes(): Array[Byte] = broadcast.value
}
