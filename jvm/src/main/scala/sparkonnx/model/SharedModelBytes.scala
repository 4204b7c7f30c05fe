package sparkonnx.model

import java.lang.ref.WeakReference

import scala.collection.mutable

/**
 * One array per distinct model file in the driver's heap. A model registered under several names (a
 * zoo encoder and its `_embed` function, an ML stage and a SQL function, the same file in two
 * sessions) is read once per registration; without this, each kept its own copy, and four copies of
 * a 90 MB text encoder filled a 1 GB driver heap. Arrays are kept weakly: once no model refers to
 * them they go. Model bytes are never written after they are read, so sharing them is safe.
 */
private[model] object SharedModelBytes {

  private val arrays = mutable.HashMap.empty[String, WeakReference[Array[Byte]]]

  /** The array already held for `sha256` if there is one, else `bytes` (kept from now on). */
  def intern(sha256: String, bytes: Array[Byte]): Array[Byte] = synchronized {
    arrays.get(sha256).flatMap(ref => Option(ref.get)) match {
      case Some(held) if held.length == bytes.length => held
      case _ =>
        arrays.filterInPlace((_, ref) => ref.get != null)
        arrays.update(sha256, new WeakReference(bytes))
        bytes
    }
  }
}
