package sparkonnx.conf

import scala.util.control.NonFatal

import org.apache.spark.network.util.JavaUtils
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.sparkonnx.OnnxConfEntry

import sparkonnx.errors.OnnxErrors

/**
 * Every spark-onnx setting, as a typed Spark config entry (`SQLConf.buildConf` /
 * `buildStaticConf`): key, doc, type, default, version, bounds, static or not. `SET -v` lists them
 * with their docs; a bad value is `ONNX_INVALID_SETTING`, naming the key and the range.
 *
 * Who may set what (docs/security.md): whoever starts Spark is trusted, a SQL, Thrift or Spark
 * Connect session is not. So settings that load code, reach the network or the host's files, or
 * bound memory and threads are static (startup-only; `SET` refuses them with Spark's
 * `CANNOT_MODIFY_STATIC_CONFIG`), and the session settings are checked against static bounds.
 * Static values are read from the configuration Spark started with, on the driver and on executors
 * alike.
 *
 * {{{
 *   OnnxConf.batchSize(spark)                    // the session's spark.onnx.batchSize
 *   OnnxConf.SESSION_CACHE_MAX_BYTES.startupValue  // on an executor, no session needed
 * }}}
 *
 * Models configured by name (`spark.onnx.model.<name>=<path>`) are a key pattern, not an entry;
 * `spark.onnx.model.allowedRoots` governs the ones set at run time.
 */
object OnnxConf {
  private val Version = "0.1.0"

  /**
   * The object's entries are registered with Spark when it is first used; the extension calls this
   * when a session is built, so `SET` knows the static keys from the start.
   */
  def register(): Unit = ()

  // ---- Bounds whoever starts Spark sets (static) ----

  /** A batch's input bytes never pass this, whatever the settings say: buffers index by int. */
  val MaxBatchMaxBytes: Long = 1L << 30

  val BATCH_MAX_BYTES_LIMIT: OnnxConfEntry[Long] = OnnxConfEntry(
    "spark.onnx.batchMaxBytes.limit",
    "Static. The largest spark.onnx.batchMaxBytes a session may set (and the cap on its " +
      "default): bounds the input buffers each task allocates for one run. At most 1 GiB.",
    Version,
    static = true,
    default = 256L << 20
  )(bytes(1, MaxBatchMaxBytes), _.toString)

  val INTRA_OP_THREADS_LIMIT: OnnxConfEntry[Int] = OnnxConfEntry(
    "spark.onnx.intraOpThreads.limit",
    "Static. The most ONNX Runtime intra-op threads one session may use: bounds " +
      "spark.onnx.intraOpThreads (set or defaulted). Default: the cores of the JVM that reads it.",
    Version,
    static = true,
    default = Runtime.getRuntime.availableProcessors()
  )(int(integer(1, 1024)))

  /** Images above this many pixels are refused unless the session lowers it further. */
  val DefaultMaxPixels: Long = 50000000L

  /** Decoded pixels are held in int-indexed arrays (3-4 bytes a pixel). */
  val MaxMaxPixels: Long = 500000000L

  val IMAGE_MAX_PIXELS_LIMIT: OnnxConfEntry[Long] = OnnxConfEntry(
    "spark.onnx.image.maxPixels.limit",
    "Static. The largest spark.onnx.image.maxPixels a session may set: bounds the memory one " +
      "image decode may take (about 4 bytes a pixel, more for 16-bit images).",
    Version,
    static = true,
    default = DefaultMaxPixels
  )(integer(1, MaxMaxPixels))

  val IMAGE_DECODE_BUDGET: OnnxConfEntry[Option[Long]] = OnnxConfEntry.optional[Long](
    "spark.onnx.image.decodeBudget",
    "Static. Bytes of heap the image decodes of one JVM may hold at once, estimated from each " +
      "image's header (pixels x bands x bytes per sample, plus the RGB copies): decodes beyond " +
      "it wait, and an image that alone needs more is refused (null under " +
      "try_onnx_image_tensor). Unset: a quarter of the JVM's maximum heap.",
    Version,
    static = true
  )(bytes(1, Long.MaxValue), _.toString)

  val SESSION_CACHE_MAX_BYTES: OnnxConfEntry[Long] = OnnxConfEntry(
    "spark.onnx.sessionCache.maxBytes",
    "Static. Budget for the model bytes of the ONNX Runtime sessions each JVM keeps; beyond " +
      "it the least recently used idle sessions are closed. Read once per JVM.",
    Version,
    static = true,
    default = 4L << 30
  )(bytes(1, Long.MaxValue), _.toString)

  val ExecutionProviders: Seq[String] = Seq("cpu", "cuda")

  val EXECUTION_PROVIDER: OnnxConfEntry[String] = OnnxConfEntry(
    "spark.onnx.executionProvider",
    "Static. Where sessions run: cpu, or cuda on the GPU Spark assigned to the task (needs the " +
      "onnxruntime_gpu jar; never a silent CPU fallback). It loads native provider libraries.",
    Version,
    static = true,
    default = "cpu"
  )(oneOf(ExecutionProviders))

  val CUSTOM_OP_LIBRARIES: OnnxConfEntry[Seq[String]] = OnnxConfEntry(
    "spark.onnx.customOpLibraries",
    "Static. Comma-separated native custom-operator libraries loaded into every ONNX Runtime " +
      "session. Loading one runs its code inside the JVM; none is loaded otherwise.",
    Version,
    static = true,
    default = Seq.empty[String]
  )(list(_ => None), _.mkString(","))

  val MODEL_ALLOWED_ROOTS: OnnxConfEntry[Seq[String]] = OnnxConfEntry(
    "spark.onnx.model.allowedRoots",
    "Static. Comma-separated absolute folders or URI prefixes (/srv/models, " +
      "hdfs://nn:8020/models, s3a://bucket/models) that a model named at run time may be read " +
      "from: SET spark.onnx.model.<name>=<path> in a SQL, Thrift or Spark Connect session, or " +
      "spark_onnx.register on a Connect session. Empty (the default): none. Models configured " +
      "when Spark starts and models the application registers (OnnxModels.register, " +
      "spark_onnx.register on a classic session) are read from any file system path.",
    Version,
    static = true,
    default = Seq.empty[String]
  )(list(rootProblem), _.mkString(","))

  /** Schemes whose Hadoop file systems fetch from a server (SSRF if a session could name one). */
  val UrlSchemes: Seq[String] = Seq("http", "https", "ftp", "sftp")

  val MODEL_ALLOWED_URL_SCHEMES: OnnxConfEntry[Seq[String]] = OnnxConfEntry(
    "spark.onnx.model.allowedUrlSchemes",
    s"Static. Comma-separated URL schemes (of ${UrlSchemes.mkString(", ")}) that a model " +
      "path may use, whoever registers it. Empty (the default): spark-onnx never fetches a " +
      "model from a web or FTP server. File system schemes (file, hdfs, s3a, gs, abfss...) are " +
      "not affected.",
    Version,
    static = true,
    default = Seq.empty[String]
  )(
    (key, text) =>
      list(scheme =>
        if (UrlSchemes.contains(scheme.toLowerCase)) None
        else Some(s"comma-separated schemes among ${UrlSchemes.mkString(", ")}")
      )(key, text)
        .map(_.toLowerCase),
    _.mkString(",")
  )

  val ZOO_DIRS: OnnxConfEntry[Seq[String]] = OnnxConfEntry(
    "spark.onnx.zoo.dirs",
    "Static. Comma-separated absolute folders of shipped models, callable by name without " +
      "registration: onnx_predict('<name>', ...) and the ML stages' modelName read " +
      "<folder>/<name>.onnx from the first folder that has it, when no registered or configured " +
      "model has the name. spark_onnx.configure sets it to the installed spark-onnx-zoo " +
      "package and the wheel's sample models. Empty (the default): none.",
    Version,
    static = true,
    default = Seq.empty[String]
  )(list(rootProblem), _.mkString(","))

  // ---- Session settings (SET in any session, within the bounds above) ----

  /** Rows per ONNX Runtime call; chosen by benchmarks/bench_mlp.py (see its README). */
  val DefaultBatchSize = 1024
  val MaxBatchSize: Int = 1 << 20

  val BATCH_SIZE: OnnxConfEntry[Int] = OnnxConfEntry(
    "spark.onnx.batchSize",
    "Rows per ONNX Runtime run; a call's batchSize option overrides it. Capped by " +
      "spark.onnx.batchMaxBytes divided by a row's input bytes.",
    Version,
    static = false,
    default = DefaultBatchSize
  )(int(integer(1, MaxBatchSize)))

  /**
   * On the CPU, wide rows run best a few at a time: MobileNetV2 (600 KB of floats per image) scores
   * ~20 % faster in batches of 1-2 than of 32, and ONNX Runtime's activation memory grows with the
   * batch (~9 MB per image in flight), while narrow rows (up to 1 KB) still fill `batchSize`. GPUs
   * need big batches to be busy.
   */
  val DefaultBatchMaxBytesCpu: Long = 1L << 20
  val DefaultBatchMaxBytesCuda: Long = 64L << 20

  val BATCH_MAX_BYTES: OnnxConfEntry[Option[Long]] = OnnxConfEntry.optional[Long](
    "spark.onnx.batchMaxBytes",
    "Caps a batch's input bytes (a number, or with a unit: 64k, 16m); an explicit batchSize " +
      "is capped too. Unset: 1 MiB on the CPU, 64 MiB with CUDA. At most " +
      "spark.onnx.batchMaxBytes.limit.",
    Version,
    static = false
  )(bytes(1, BATCH_MAX_BYTES_LIMIT.startupValue, Some(BATCH_MAX_BYTES_LIMIT.key)), _.toString)

  val INTRA_OP_THREADS: OnnxConfEntry[Option[Int]] = OnnxConfEntry.optional[Int](
    "spark.onnx.intraOpThreads",
    "ONNX Runtime intra-op threads per session. Unset: spark.task.cpus, so N concurrent " +
      "tasks use N cores. At most spark.onnx.intraOpThreads.limit.",
    Version,
    static = false
  )(int(integer(1, INTRA_OP_THREADS_LIMIT.startupValue, Some(INTRA_OP_THREADS_LIMIT.key))))

  val IMAGE_MAX_PIXELS: OnnxConfEntry[Option[Long]] = OnnxConfEntry.optional[Long](
    "spark.onnx.image.maxPixels",
    "Images with more pixels are refused from their header, before any pixel is decoded " +
      "(null under try_onnx_image_tensor). Unset: 50,000,000. At most " +
      "spark.onnx.image.maxPixels.limit.",
    Version,
    static = false
  )(integer(1, IMAGE_MAX_PIXELS_LIMIT.startupValue, Some(IMAGE_MAX_PIXELS_LIMIT.key)))

  val COLUMNAR_INPUT: OnnxConfEntry[Boolean] = OnnxConfEntry(
    "spark.onnx.columnarInput",
    "Whether onnx_predict reads a columnar source (Parquet, ORC) batch by batch, copying its " +
      "column vectors straight into tensors, instead of through rows. false: through rows.",
    Version,
    static = false,
    default = true
  )(boolean, _.toString)

  /** Every entry, in the order docs/security.md lists them. */
  lazy val entries: Seq[OnnxConfEntry[_]] = Seq(
    BATCH_SIZE,
    BATCH_MAX_BYTES,
    INTRA_OP_THREADS,
    IMAGE_MAX_PIXELS,
    COLUMNAR_INPUT,
    BATCH_MAX_BYTES_LIMIT,
    INTRA_OP_THREADS_LIMIT,
    IMAGE_MAX_PIXELS_LIMIT,
    IMAGE_DECODE_BUDGET,
    SESSION_CACHE_MAX_BYTES,
    EXECUTION_PROVIDER,
    CUSTOM_OP_LIBRARIES,
    MODEL_ALLOWED_ROOTS,
    MODEL_ALLOWED_URL_SCHEMES,
    ZOO_DIRS
  )

  // ---- Readers ----

  def batchSize(session: SparkSession): Int = BATCH_SIZE.get(session)

  def columnarInput(session: SparkSession): Boolean = COLUMNAR_INPUT.get(session)

  def batchMaxBytes(session: SparkSession): Long = BATCH_MAX_BYTES.get(session).getOrElse {
    val default =
      if (executionProvider(session) == "cuda") DefaultBatchMaxBytesCuda
      else DefaultBatchMaxBytesCpu
    math.min(default, BATCH_MAX_BYTES_LIMIT.get(session))
  }

  /** The session's intra-op threads: set, else `spark.task.cpus`, within the static limit. */
  def intraOpThreads(session: SparkSession): Int = INTRA_OP_THREADS.get(session).getOrElse {
    val taskCpus = session.conf
      .getOption("spark.task.cpus")
      .flatMap(_.trim.toIntOption)
      .filter(_ >= 1)
      .getOrElse(1)
    math.min(taskCpus, INTRA_OP_THREADS_LIMIT.get(session))
  }

  def executionProvider(session: SparkSession): String = EXECUTION_PROVIDER.get(session)

  def customOpLibraries(session: SparkSession): Seq[String] = CUSTOM_OP_LIBRARIES.get(session)

  def imageMaxPixels(session: SparkSession): Long = IMAGE_MAX_PIXELS
    .get(session)
    .getOrElse(math.min(DefaultMaxPixels, IMAGE_MAX_PIXELS_LIMIT.get(session)))

  /** This JVM's image decode budget: set when Spark started, else a quarter of the max heap. */
  def imageDecodeBudget: Long =
    IMAGE_DECODE_BUDGET.startupValue.getOrElse(Runtime.getRuntime.maxMemory / 4)

  // ---- Parsers: (key, text) => value; each error names its key and what it takes ----

  private type Parser[T] = (String, String) => T

  private def int(parser: Parser[Long]): Parser[Int] = (key, text) => parser(key, text).toInt

  /** An integer in [min, max]; `limitKey` names the static setting `max` comes from. */
  private def integer(min: Long, max: => Long, limitKey: Option[String] = None): Parser[Long] =
    (key, text) => {
      val bound = max
      text.trim.toLongOption
        .filter(v => v >= min && v <= bound)
        .getOrElse(
          throw OnnxErrors
            .invalidSetting(key, text, s"an integer in [$min, $bound]${limited(limitKey)}")
        )
    }

  /** A size in bytes, plain or with a unit (`64k`, `16m`), in [min, max]. */
  private def bytes(min: Long, max: => Long, limitKey: Option[String] = None): Parser[Long] =
    (key, text) => {
      val bound = max
      val parsed =
        try Some(JavaUtils.byteStringAsBytes(text.trim))
        catch {
          case NonFatal(_) => None
        }
      parsed
        .filter(v => v >= min && v <= bound)
        .getOrElse(
          throw OnnxErrors.invalidSetting(
            key,
            text,
            s"a size in bytes in [$min, $bound] (a " +
              s"number, or with a unit: 64k, 16m, 1g)${limited(limitKey)}"
          )
        )
    }

  private def limited(limitKey: Option[String]): String =
    limitKey.map(k => s", the bound $k set when Spark started").getOrElse("")

  private def boolean: Parser[Boolean] = (key, text) =>
    text.trim.toLowerCase match {
      case "true" => true
      case "false" => false
      case _ => throw OnnxErrors.invalidSetting(key, text, "true or false")
    }

  private def oneOf(values: Seq[String]): Parser[String] = (key, text) => {
    val value = text.trim.toLowerCase
    if (values.contains(value)) value
    else throw OnnxErrors.invalidSetting(key, text, s"one of ${values.mkString(", ")}")
  }

  /** A comma-separated list; `problem` says what an item must be, if it is not. */
  private def list(problem: String => Option[String]): Parser[Seq[String]] = (key, text) => {
    val items = text.split(",").map(_.trim).filter(_.nonEmpty).toSeq
    items.flatMap(problem).headOption.foreach(p => throw OnnxErrors.invalidSetting(key, text, p))
    items
  }

  private lazy val UriPrefix = "^[A-Za-z][A-Za-z0-9+.\\-]*:/.*".r

  private def rootProblem(root: String): Option[String] = {
    val absolute = root.startsWith("/") || UriPrefix.matches(root)
    val climbs = root.split("/").contains("..")
    if (absolute && !climbs) None
    else
      Some(
        "comma-separated absolute folders or URI prefixes (/srv/models, " +
          "hdfs://nn:8020/models), none with '..'"
      )
  }
}
