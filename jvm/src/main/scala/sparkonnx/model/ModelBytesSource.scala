package sparkonnx.model

/**
 * Where an executor gets a model's bytes when it must build a session: serialized with the plan, it
 * stays small (a broadcast handle or a path), never the bytes themselves.
 */
trait ModelBytesSource extends Serializable {
  def bytes(): Array[Byte]

  /**
   * The model's local file, for models whose weights live in external data files beside it: ONNX
   * Runtime must open those by path. None for self-contained models.
   */
  def path: Option[String] = None
}

/**
 * A model read from a local (or shared) path on each executor: for models with external data, and
 * models too large to broadcast (over 2 GB) — bytes never travel with the plan.
 */
final case class LocalFileSource(file: String) extends ModelBytesSource {
  override def bytes(): Array[Byte] =
    java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(file))
  override def path: Option[String] = Some(file)
}
