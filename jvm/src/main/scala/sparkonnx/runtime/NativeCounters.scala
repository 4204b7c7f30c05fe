package sparkonnx.runtime

import java.util.concurrent.atomic.AtomicLong

/**
 * Counts native ONNX Runtime objects made and closed in this JVM: a leak shows as a gap between the
 * two, long before it shows in RSS (ORT's memory is invisible to the JVM heap).
 */
object NativeCounters {
  private val tensorsOpened = new AtomicLong()
  private val tensorsClosed = new AtomicLong()
  private val resultsOpened = new AtomicLong()
  private val resultsClosed = new AtomicLong()

  def tensorOpened(): Unit = tensorsOpened.incrementAndGet()
  def tensorClosed(): Unit = tensorsClosed.incrementAndGet()
  def resultOpened(): Unit = resultsOpened.incrementAndGet()
  def resultClosed(): Unit = resultsClosed.incrementAndGet()

  /** Tensors and results made but not closed yet (0 between batches). */
  def openTensors: Long = tensorsOpened.get() - tensorsClosed.get()
  def openResults: Long = resultsOpened.get() - resultsClosed.get()
  def tensorsMade: Long = tensorsOpened.get()
}
