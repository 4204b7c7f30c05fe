package sparkonnx.tensor

import java.nio.{ByteBuffer, ByteOrder}

import org.apache.spark.unsafe.Platform

/**
 * A native-order direct buffer reused batch after batch by one task; it grows, never shrinks. ONNX
 * Runtime reads a direct buffer in place, so a tensor made over it costs no copy.
 */
private[tensor] final class DirectBuffer {
  private var buffer: ByteBuffer = ByteBuffer.allocateDirect(0)
  private[tensor] var address = 0L

  /** The buffer cleared and sized for `bytes` bytes. */
  def reset(bytes: Int): ByteBuffer = {
    if (buffer.capacity() < bytes) {
      buffer = ByteBuffer
        .allocateDirect(math.max(bytes, buffer.capacity() * 3 / 2))
        .order(ByteOrder.nativeOrder())
      address = Platform.getDirectBufferAddress(buffer)
    }
    buffer.clear()
    buffer.limit(bytes)
    buffer
  }

  /**
   * The buffer positioned at `offset` with room for `bytes` more, keeping the bytes before
   * `offset`: rows appended one at a time as they arrive.
   */
  def extend(offset: Int, bytes: Int): ByteBuffer = {
    val needed = offset + bytes
    if (buffer.capacity() < needed) {
      val grown = ByteBuffer
        .allocateDirect(math.max(needed, buffer.capacity() * 3 / 2))
        .order(ByteOrder.nativeOrder())
      val grownAddress = Platform.getDirectBufferAddress(grown)
      Platform.copyMemory(null, address, null, grownAddress, offset.toLong)
      buffer = grown
      address = grownAddress
    }
    buffer.limit(needed)
    buffer.position(offset)
    buffer
  }

  /** The first `bytes` bytes, positioned at 0: the appended rows, for a tensor over them. */
  def filled(bytes: Int): ByteBuffer = {
    buffer.limit(bytes)
    buffer.position(0)
    buffer
  }

  /** Copies `bytes` bytes from `base + offset` (Unsafe addressing) to the write position. */
  def copyFrom(base: AnyRef, offset: Long, bytes: Int): Unit = {
    val position = buffer.position()
    Platform.copyMemory(base, offset, null, address + position, bytes.toLong)
    buffer.position(position + bytes)
  }

  /** Writes `bytes` zero bytes at the write position. */
  def zero(bytes: Int): Unit = {
    val position = buffer.position()
    Platform.setMemory(address + position, 0.toByte, bytes.toLong)
    buffer.position(position + bytes)
  }

  /** Copies `bytes` bytes from offset `from` to offset `to` within this buffer. */
  def copyWithin(from: Int, to: Int, bytes: Int): Unit =
    Platform.copyMemory(null, address + from, null, address + to, bytes.toLong)

  /** Copies `bytes` bytes at `from` in this buffer to `to` in `target`. */
  def copyTo(target: DirectBuffer, from: Int, to: Int, bytes: Int): Unit =
    Platform.copyMemory(null, address + from, null, target.address + to, bytes.toLong)
}
