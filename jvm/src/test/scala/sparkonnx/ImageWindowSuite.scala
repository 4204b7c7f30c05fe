package sparkonnx

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import javax.imageio.ImageIO

import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.image.{ImageDecoder, ImagePreprocessing, SourceWindow}

/**
 * Decoding only the window a center crop reads (ImageDecoder.decodeWindow) gives the same tensor,
 * to the bit, as decoding the whole image: for landscape, portrait and square photos, color and
 * gray, large and already small.
 */
class ImageWindowSuite extends AnyFunSuite {

  /** A smooth scene with noise, JPEG-encoded: chroma subsampled, like a camera's. */
  private def jpeg(
      width: Int,
      height: Int,
      kind: Int = BufferedImage.TYPE_3BYTE_BGR
  ): Array[Byte] = {
    val random = new scala.util.Random(width * 31 + height)
    val image = new BufferedImage(width, height, kind)
    for (y <- 0 until height; x <- 0 until width) {
      val r = (x * 255 / width + random.nextInt(40)) min 255
      val g = (y * 255 / height + random.nextInt(40)) min 255
      val b = ((x + y) * 255 / (width + height) + random.nextInt(40)) min 255
      image.setRGB(x, y, r << 16 | g << 8 | b)
    }
    val out = new ByteArrayOutputStream()
    ImageIO.write(image, "jpg", out)
    out.toByteArray
  }

  private val preprocessing = ImagePreprocessing.ImageNet
  private val sizes = Seq((640, 427), (427, 640), (512, 512), (300, 240), (256, 256), (1000, 300))

  private def whole(bytes: Array[Byte]): Array[Float] =
    ImageDecoder.decodeWith(bytes, Long.MaxValue)(preprocessing(_))

  private def windowed(bytes: Array[Byte]): (Array[Float], SourceWindow) =
    ImageDecoder.decodeWindow(bytes, Long.MaxValue, preprocessing.window) { (image, window) =>
      assert(image.width === window.width && image.height === window.height)
      (preprocessing(image, window), window)
    }

  for (
    (w, h) <- sizes;
    (kind, name) <- Seq(
      BufferedImage.TYPE_3BYTE_BGR -> "color",
      BufferedImage.TYPE_BYTE_GRAY -> "gray"
    )
  ) {
    test(s"a ${w}x$h $name JPEG: the window's tensor is the whole image's") {
      val bytes = jpeg(w, h, kind)
      val (tensor, window) = windowed(bytes)
      assert(tensor.sameElements(whole(bytes)))
      // A crop of a photo well above the crop size reads less than the whole image.
      if (w.min(h) >= 300) assert(!window.isWhole, s"$window")
    }
  }

  test("the window covers the crop and the resize filter's reach, and stays inside the image") {
    for ((w, h) <- sizes) {
      val window = preprocessing.window(w, h)
      assert(window.fullWidth === w && window.fullHeight === h)
      assert(window.left >= 0 && window.left + window.width <= w)
      assert(window.top >= 0 && window.top + window.height <= h)
      // At least the crop's share of the image (224 of the 256-pixel shorter side).
      assert(window.width >= 224L * w.min(h) / 256 && window.height >= 224L * w.min(h) / 256)
    }
  }

  test("a JPEG with bytes after its end marker is decoded whole, and still right") {
    val bytes = jpeg(640, 427) ++ Array[Byte](1, 2, 3)
    val (tensor, window) = windowed(bytes)
    assert(window.isWhole)
    assert(tensor.sameElements(whole(bytes)))
  }

  test("a truncated JPEG is refused, whatever the window: the decode reaches the damage") {
    val bytes = jpeg(640, 427)
    val cut = bytes.take(bytes.length * 9 / 10)
    val error = intercept[ImageDecoder.BadImage](windowed(cut))
    assert(error.reason.contains("truncated"))
  }
}
