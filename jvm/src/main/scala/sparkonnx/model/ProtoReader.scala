package sparkonnx.model

import java.nio.charset.StandardCharsets

/**
 * A minimal reader of the protobuf wire format: enough to walk an ONNX `ModelProto` for its
 * signature without generated classes or a protobuf dependency on the executors.
 *
 * Every length and varint is checked against the bytes, and messages nest at most
 * [[ProtoReader.MaxDepth]] deep (the limit protobuf itself, and so ONNX Runtime, parses to): a
 * crafted model with types or subgraphs nested thousands deep is refused with [[InvalidProtobuf]],
 * never a `StackOverflowError` in the readers that recurse into it.
 */
private[model] final class ProtoReader private (
    bytes: Array[Byte],
    start: Int,
    end: Int,
    val depth: Int
) {
  private var pos = start

  def this(bytes: Array[Byte]) = this(bytes, 0, bytes.length, 0)

  def hasMore: Boolean = pos < end

  /** Reads a field key; returns (field number, wire type). */
  def readKey(): (Int, Int) = {
    val key = readVarint()
    if ((key >>> 32) != 0) throw new InvalidProtobuf(s"field key $key at byte $pos")
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

  /**
   * The body of a length-delimited field, as a reader over just those bytes, one level deeper; more
   * than [[ProtoReader.MaxDepth]] levels are refused.
   */
  def readMessage(): ProtoReader = {
    if (depth >= ProtoReader.MaxDepth) {
      throw new ModelLimitExceeded(s"messages nested more than ${ProtoReader.MaxDepth} deep")
    }
    val length = readLength()
    val reader = new ProtoReader(bytes, pos, pos + length, depth + 1)
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

private[model] object ProtoReader {

  /**
   * How deep messages may nest below the model: protobuf's default recursion limit, beyond which
   * ONNX Runtime cannot parse a model either (a sequence type is two levels per `seq`, a subgraph
   * three: graph, node, attribute).
   */
  val MaxDepth = 100
}

private[model] final class InvalidProtobuf(reason: String)
    extends IllegalArgumentException(s"not a readable protobuf message: $reason")
