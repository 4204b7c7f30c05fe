package sparkonnx.model

/**
 * Where an executor gets a model's bytes when it must build a session: serialized with the
 * plan, it stays small (a broadcast handle or a path), never the bytes themselves.
 */
trait ModelBytesSource extends Serializable {
  def bytes(): Array[Byte]
}
