package sparkonnx.image

/**
 * A decoded image as 8-bit RGB, row-major, 3 bytes per pixel: the one form every source (encoded
 * bytes, Spark's `image` struct) is brought to before resizing.
 */
final class RgbImage(val width: Int, val height: Int, val pixels: Array[Byte]) {
  require(pixels.length == width * height * 3, "pixel buffer does not match the size")

  /** Channel `c` (0 R, 1 G, 2 B) of pixel (x, y), 0..255. */
  def at(x: Int, y: Int, c: Int): Int = pixels((y * width + x) * 3 + c) & 0xff
}
