package sparkonnx.sql

import org.apache.spark.sql.SparkSession

import sparkonnx.runtime.{SessionOptions, SessionPool}

/** spark-onnx's settings: session configuration keys, defaults and readers. */
object OnnxConf {
  /** Rows per ONNX Runtime call; chosen by benchmarks/bench_mlp.py (see its README). */
  val BatchSize = "spark.onnx.batchSize"
  val DefaultBatchSize = 1024
  val MaxBatchSize = 1 << 20

  /**
   * Caps a batch's input tensors; an explicit per-call batchSize is capped too. On the CPU,
   * wide rows run best a few at a time: MobileNetV2 (600 KB of floats per image) scores ~20 %
   * faster in batches of 1-2 than of 32, and ONNX Runtime's activation memory grows with the
   * batch (~9 MB per image in flight), while narrow rows (up to 1 KB) still fill `batchSize`.
   * GPUs need big batches to be busy.
   */
  val BatchMaxBytes = "spark.onnx.batchMaxBytes"
  val DefaultBatchMaxBytesCpu: Long = 1L << 20
  val DefaultBatchMaxBytesCuda: Long = 64L << 20

  /** A batch's input bytes never pass this, whatever the setting says: buffers index by int. */
  val MaxBatchMaxBytes: Long = 1L << 30

  def batchMaxBytes(session: SparkSession): Long =
    session.conf.getOption(BatchMaxBytes).map { value =>
      value.trim.toLongOption.filter(v => v >= 1 && v <= MaxBatchMaxBytes).getOrElse(
        throw new IllegalArgumentException(
          s"$BatchMaxBytes must be an integer in [1, $MaxBatchMaxBytes], got '$value'"))
    }.getOrElse(
      if (sessionOptions(session).executionProvider == "cuda") DefaultBatchMaxBytesCuda
      else DefaultBatchMaxBytesCpu)

  /** ORT intra-op threads per session; defaults to `spark.task.cpus`. */
  val IntraOpThreads = "spark.onnx.intraOpThreads"

  /**
   * Budget for the model bytes of cached sessions per JVM, LRU beyond it: read once per JVM
   * from the Spark configuration it started with (a static setting).
   */
  val SessionCacheMaxBytes: String = SessionPool.BudgetKey

  def batchSize(session: SparkSession): Int =
    session.conf.getOption(BatchSize).map(parsePositive(BatchSize, _, MaxBatchSize))
      .getOrElse(DefaultBatchSize)

  /** "cpu" (default) or "cuda": where sessions run. */
  val ExecutionProvider = "spark.onnx.executionProvider"

  /** Comma-separated custom-operator libraries to load into every session (none by default). */
  val CustomOpLibraries = "spark.onnx.customOpLibraries"

  def sessionOptions(session: SparkSession): SessionOptions = {
    val threads = session.conf.getOption(IntraOpThreads)
      .orElse(session.conf.getOption("spark.task.cpus"))
      .map(parsePositive(IntraOpThreads, _, 1024))
      .getOrElse(1)
    val provider = session.conf.getOption(ExecutionProvider).map(_.trim.toLowerCase)
      .getOrElse("cpu")
    if (!Set("cpu", "cuda").contains(provider)) {
      throw new IllegalArgumentException(s"$ExecutionProvider must be cpu or cuda, got '$provider'")
    }
    val libraries = session.conf.getOption(CustomOpLibraries).toSeq
      .flatMap(_.split(",")).map(_.trim).filter(_.nonEmpty)
    SessionOptions(threads, provider, customOpLibraries = libraries)
  }

  private[sql] def parsePositive(key: String, value: String, max: Int): Int =
    value.trim.toIntOption.filter(v => v >= 1 && v <= max).getOrElse(
      throw new IllegalArgumentException(s"$key must be an integer in [1, $max], got '$value'"))
}
