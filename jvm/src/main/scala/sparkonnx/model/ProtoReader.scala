package sparkonnx.model

import java.nio.charset.StandardCharsets

/**
 * A minimal reader of the protobuf wire format: enough to walk an ONNX `ModelProto` for its
 * signature without generated classes or a protobuf dependency on the executors.
 */
private[model] final class ProtoReader(bytes: Array[Byte], start: Int, end: Int) {
  private var pos = start

  def this(bytes: Array[Byte]) = this(bytes, 0, bytes.length)

  def hasMore: Boolean = pos < end

  /** Reads a field key; returns (field number, wire type). */
  def readKey(): (Int, Int) = {
    val key = readVarint()
    val field = (key >>> 3).toInt
    if (field <= 0) throw new InvalidProtobuf(s"field number $field at byte $pos")
    (field, (key & 7).toInt)
  }

  def readVarint(): Long = {
    var result = 0L
    var shift = 0
    while (true) {
      if (pos >= end) throw new InvalidProtobuf("truncated varint")
      val b = bytes(pos)
      pos += 1
      result |= (b & 0x7fL) << shift
      if ((b & 0x80) == 0) return result
      shift += 7
      if (shift >= 64) throw new InvalidProtobuf("varint longer than 10 bytes")
    }
    result
  }

  /** The body of a length-delimited field, as a reader over just those bytes. */
  def readMessage(): ProtoReader = {
    val length = readLength()
    val reader = new ProtoReader(bytes, pos, pos + length)
    pos += length
    reader
  }

  def readString(): String = {
    val length = readLength()
    val text = new String(bytes, pos, length, StandardCharsets.UTF_8)
    pos += length
    text
  }

  def skip(wireType: Int): Unit = wireType match {
    case 0 => readVarint()
    case 1 => advance(8)
    case 2 => advance(readLength())
    case 5 => advance(4)
    case other => throw new InvalidProtobuf(s"unsupported wire type $other")
  }

  private def readLength(): Int = {
    val length = readVarint()
    if (length < 0 || length > end - pos) {
      throw new InvalidProtobuf(s"length $length overruns the message")
    }
    length.toInt
  }

  private def advance(n: Int): Unit = {
    if (n > end - pos) throw new InvalidProtobuf("truncated field")
    pos += n
  }
}

private[model] final class InvalidProtobuf(reason: String)
  extends IllegalArgumentException(s"not a readable protobuf message: $reason")
