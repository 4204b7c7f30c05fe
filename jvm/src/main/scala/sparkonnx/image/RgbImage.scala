package sparkonnx.image

/**
 * A decoded image as 8-bit pixels, row-major, 3 bytes per pixel: the one form every source (encoded
 * bytes, Spark's `image` struct) is brought to before resizing. In RGB order, or BGR when `bgr`:
 * the JPEG decoder's own raster, used as it is rather than copied to swap the channels (resizing
 * treats the three channels alike, so the order carries through to normalisation).
 */
final class RgbImage(
    val width: Int,
    val height: Int,
    val pixels: Array[Byte],
    val bgr: Boolean = false
) {
  require(pixels.length == width * height * 3, "pixel buffer does not match the size")

  /** Channel `c` (0 R, 1 G, 2 B) of pixel (x, y), 0..255. */
  def at(x: Int, y: Int, c: Int): Int =
    pixels((y * width + x) * 3 + (if (bgr) 2 - c else c)) & 0xff
}
