package sparkonnx.tensor

import java.nio.ByteBuffer

import org.apache.spark.unsafe.Platform

/**
 * The rows of one input appended since the last run, all of one value shape: their elements back to
 * back in a reused direct buffer (or, for strings, an array), row after row. Not thread-safe: one
 * per task and input.
 */
private[tensor] final class InputBatch {
  val buffer = new DirectBuffer
  private val moved = new DirectBuffer
  private var strings = new Array[String](16)
  private var stringCount = 0

  /** Rows appended since the last run. */
  var rows = 0

  /** The dims of each row's value (without the batch axis); set by the first row. */
  var shape: Array[Long] = Array.empty

  var elementsPerRow = 0

  /** Starts a batch whose rows have value dims `dims` of `elements` elements. */
  def start(dims: Array[Long], elements: Int): Unit = {
    shape = dims
    elementsPerRow = elements
    stringCount = 0
  }

  private var markedRows = 0
  private var markedStrings = 0

  /** Remembers the batch as it is, for [[rollback]] if a row fails half-way. */
  def mark(): Unit = {
    markedRows = rows
    markedStrings = stringCount
  }

  /** Forgets whatever was appended since [[mark]]. */
  def rollback(): Unit = {
    rows = markedRows
    stringCount = markedStrings
  }

  def clear(): Unit = {
    rows = 0
    stringCount = 0
  }

  /** Whether a row of value dims `dims` can join the rows appended so far. */
  def accepts(dims: Array[Long]): Boolean = rows == 0 || java.util.Arrays.equals(shape, dims)

  def addString(value: String): Unit = {
    if (stringCount == strings.length) {
      strings = java.util.Arrays.copyOf(strings, strings.length * 2)
    }
    strings(stringCount) = value
    stringCount += 1
  }

  /** Pads to `target` rows with copies of the last row: a model with a fixed batch size. */
  def padTo(target: Int, elementSize: Int): Unit = {
    while (rows < target) {
      if (elementSize > 0) {
        val bytes = elementsPerRow * elementSize
        val last = buffer.extend(rows * bytes, bytes)
        buffer.copyWithin((rows - 1) * bytes, rows * bytes, bytes)
        last.position(rows * bytes + bytes)
      } else {
        var i = 0
        while (i < elementsPerRow) {
          addString(strings((rows - 1) * elementsPerRow + i))
          i += 1
        }
      }
      rows += 1
    }
  }

  /**
   * The rows' bytes laid out for a tensor whose batch axis has `outer` elements' worth of dims
   * before it: as appended when `outer` is 1, else each row's `outer` blocks moved so that block
   * `a` of row `r` sits at `(a * rows + r)` (the batch axis inside the tensor).
   */
  def bytesAlong(outer: Int, runRows: Int, elementSize: Int): ByteBuffer = {
    val total = runRows * elementsPerRow * elementSize
    if (outer <= 1) buffer.filled(total)
    else {
      val block = elementsPerRow / outer * elementSize
      val target = moved.reset(total)
      var r = 0
      while (r < runRows) {
        var a = 0
        while (a < outer) {
          buffer.copyTo(
            moved,
            r * elementsPerRow * elementSize + a * block,
            (a * runRows + r) * block,
            block
          )
          a += 1
        }
        r += 1
      }
      target.limit(total)
      target.position(0)
      target
    }
  }

  /** Row `row`'s bytes alone (rows are appended whole, whatever the batch axis). */
  def rowBytes(row: Int, elementSize: Int): ByteBuffer = {
    val bytes = elementsPerRow * elementSize
    val all = buffer.filled((row + 1) * bytes)
    all.position(row * bytes)
    all.slice().order(java.nio.ByteOrder.nativeOrder())
  }

  /** Row `row`'s strings alone. */
  def rowStrings(row: Int): Array[String] =
    java.util.Arrays.copyOfRange(strings, row * elementsPerRow, (row + 1) * elementsPerRow)

  /** The rows' strings laid out like [[bytesAlong]]. */
  def stringsAlong(outer: Int, runRows: Int): Array[String] = {
    val out = new Array[String](runRows * elementsPerRow)
    if (outer <= 1) System.arraycopy(strings, 0, out, 0, out.length)
    else {
      val block = elementsPerRow / outer
      var r = 0
      while (r < runRows) {
        var a = 0
        while (a < outer) {
          System.arraycopy(
            strings,
            r * elementsPerRow + a * block,
            out,
            (a * runRows + r) * block,
            block
          )
          a += 1
        }
        r += 1
      }
    }
    out
  }
}
