package sparkonnx.runtime

import java.util.{Collections, WeakHashMap}

import scala.collection.concurrent.TrieMap

import org.apache.spark.SparkContext
import org.apache.spark.broadcast.Broadcast

import sparkonnx.model.{LocalFileSource, ModelBytesSource, OnnxModel}

/**
 * Ships model bytes to executors once: one broadcast per model per SparkContext, reused by every
 * query, and read on an executor only when its JVM has no session for the model yet.
 *
 * The broadcast is made when a plan is first serialized for its tasks, not when it is planned:
 * `EXPLAIN`, `df.schema` and Connect's analyze never create one.
 */
object ModelShipping {
  private val broadcasts = Collections.synchronizedMap(
    new WeakHashMap[SparkContext, TrieMap[String, Broadcast[Array[Byte]]]]()
  )

  /**
   * Where executors get `model`: its file, for a model whose weights live beside it, or a broadcast
   * made on the driver when a task first needs it.
   */
  def source(model: OnnxModel): ModelBytesSource = model.localFile match {
    case Some(file) => LocalFileSource(file)
    case None => new ShipOnSerialize(model)
  }

  /** The broadcast of `model` in `sc`, made on first use (driver only). */
  private[runtime] def broadcast(sc: SparkContext, model: OnnxModel): Broadcast[Array[Byte]] = {
    val perContext = broadcasts.synchronized {
      broadcasts.computeIfAbsent(sc, _ => TrieMap.empty)
    }
    perContext.getOrElseUpdate(model.sha256, sc.broadcast(model.bytes))
  }

  /** Broadcasts made so far in `sc` (tests: analysis and EXPLAIN make none). */
  def broadcastCount(sc: SparkContext): Int =
    broadcasts.synchronized(Option(broadcasts.get(sc)).map(_.size).getOrElse(0))

  /**
   * Destroys the broadcast of the model `sha256` in `sc`, if any: a model unregistered or replaced
   * stops pinning its bytes in the driver and executors. Running queries that still use it fail
   * their next read of it, so callers release only models nothing names any more.
   */
  def release(sc: SparkContext, sha256: String): Unit =
    Option(broadcasts.synchronized(broadcasts.get(sc)))
      .flatMap(_.remove(sha256))
      .foreach(_.destroy())
}

/** A model on the driver that turns into a broadcast handle when a plan holding it is shipped. */
private final class ShipOnSerialize(@transient model: OnnxModel) extends ModelBytesSource {

  override def bytes(): Array[Byte] =
    if (model != null) model.bytes
    else throw new IllegalStateException("model bytes not shipped")

  /** Java serialization replaces this with the broadcast's handle (made on the driver). */
  @throws[java.io.ObjectStreamException]
  private def writeReplace(): AnyRef =
    new BroadcastBytes(ModelShipping.broadcast(SparkContext.getOrCreate(), model))
}

private final class BroadcastBytes(broadcast: Broadcast[Array[Byte]]) extends ModelBytesSource {
  override def bytes(): Array[Byte] = broadcast.value
}
