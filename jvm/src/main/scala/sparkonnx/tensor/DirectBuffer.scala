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

  /**
   * At least `needed` bytes, half as much again as now when that is more, in longs: the capacity of
   * a buffer past 1.4 GB times three passes an int.
   */
  private def grownCapacity(needed: Int): Int =
    math.max(needed.toLong, math.min(buffer.capacity().toLong * 3 / 2, Int.MaxValue - 8L)).toInt

  /** The buffer cleared and sized for `bytes` bytes. */
  def reset(bytes: Int): ByteBuffer = {
    if (buffer.capacity() < bytes) {
      buffer = ByteBuffer
        .allocateDirect(grownCapacity(bytes))
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
        .allocateDirect(grownCapacity(needed))
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
