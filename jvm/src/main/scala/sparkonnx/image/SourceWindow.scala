package sparkonnx.image

/**
 * The rectangle of a `fullWidth` x `fullHeight` image that a preprocessing reads: columns `left`
 * until `left + width`, rows `top` until `top + height`. A center crop after a resize reads only
 * this window (plus the resize filter's reach), so the decoder may decode just it: the pixels in it
 * are the same either way.
 */
final case class SourceWindow(
    left: Int,
    top: Int,
    width: Int,
    height: Int,
    fullWidth: Int,
    fullHeight: Int
) {
  require(
    left >= 0 && top >= 0 && width > 0 && height > 0 &&
      left + width <= fullWidth && top + height <= fullHeight,
    s"window ${width}x$height at ($left, $top) outside ${fullWidth}x$fullHeight"
  )

  def isWhole: Boolean = width == fullWidth && height == fullHeight
}

object SourceWindow {
  def whole(width: Int, height: Int): SourceWindow =
    SourceWindow(0, 0, width, height, width, height)
}
