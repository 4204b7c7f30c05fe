package sparkonnx.sql.functions

import scala.jdk.CollectionConverters._

import ai.onnxruntime.OrtException
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{Expression, Literal}
import org.apache.spark.sql.internal.StaticSQLConf
import org.apache.spark.sql.types.StringType
import org.apache.spark.sql.sparkonnx.SessionFunctions

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ModelLoader, ModelRegistry, OnnxModel, SignatureJson}
import sparkonnx.runtime.{ModelShipping, SessionOptions, SessionPool}
import sparkonnx.tensor.TextBinding
import sparkonnx.text.{TextModel, TextOptions, TokenizerFile}

/**
 * The models a session knows, and what registering one means: the file and signature checked, an
 * ONNX Runtime session opened on the driver (a model ORT cannot load fails now, not mid-job), a
 * per-model SQL function, the broadcast released when a model is replaced or unregistered. The user
 * facade [[sparkonnx.OnnxModels]] and the ML stages both use it.
 */
object ModelCatalog {

  /** Reads, checks and registers the model at `path` as `name`; returns it. */
  def register(spark: SparkSession, name: String, path: String): OnnxModel = {
    requireExtension(spark)
    val model = load(spark, name, path)
    put(spark, name, model, Map.empty, replace = false)
    model
  }

  /** Checks and registers a model given as bytes (e.g. built in memory) as `name`. */
  def register(spark: SparkSession, name: String, bytes: Array[Byte]): OnnxModel = {
    requireExtension(spark)
    val model = check(spark, name, ModelLoader.fromBytes(name, s"<${bytes.length} bytes>", bytes))
    put(spark, name, model, Map.empty, replace = false)
    model
  }

  /**
   * Registers the model at `path` with default call options (`batchSize`, `outputs`) that its calls
   * use unless they pass their own; `replace` lets it take a name a different model holds.
   * Java-friendly; checks the options now.
   */
  def registerWithOptions(
      spark: SparkSession,
      name: String,
      path: String,
      options: java.util.Map[String, String],
      replace: Boolean
  ): OnnxModel = {
    requireExtension(spark)
    val parsed = checkOptions(options)
    val model = load(spark, name, path)
    put(spark, name, model, parsed, replace, textOf(spark, name, model, options))
    model
  }

  /** [[registerWithOptions]] for a model given as bytes. */
  def registerWithOptions(
      spark: SparkSession,
      name: String,
      bytes: Array[Byte],
      options: java.util.Map[String, String],
      replace: Boolean
  ): OnnxModel = {
    requireExtension(spark)
    val parsed = checkOptions(options)
    val model = check(spark, name, ModelLoader.fromBytes(name, s"<${bytes.length} bytes>", bytes))
    put(spark, name, model, parsed, replace, textOf(spark, name, model, options))
    model
  }

  /**
   * Registering the same model again is a no-op (its options updated); a different model under a
   * taken name — in any case: `FnM` and `fnm` are one name — is refused unless `replace`, so one
   * job cannot silently swap another's.
   */
  private def put(
      spark: SparkSession,
      name: String,
      model: OnnxModel,
      options: Map[String, String],
      replace: Boolean,
      tokenizer: Option[TokenizerFile] = None
  ): Unit = {
    val replaced = ModelRegistry.of(spark).put(name, model, options, replace, tokenizer)
    replaced.foreach(existing => releaseIfUnused(spark, existing))
  }

  /**
   * Destroys the model's broadcast once no name in any session of the SparkContext refers to it any
   * more (broadcasts are per context, and sessions share them).
   */
  private def releaseIfUnused(spark: SparkSession, model: OnnxModel): Unit =
    if (!ModelRegistry.namedInContext(spark.sparkContext, model)) {
      ModelShipping.release(spark.sparkContext, model.sha256)
    }

  /**
   * A model registered in a session without the extension could never be called (the query would
   * fail later with Spark's UNRESOLVED_ROUTINE), so registering there is refused, naming the
   * setting that is missing.
   */
  private def requireExtension(spark: SparkSession): Unit =
    if (!SessionFunctions.exists(spark, OnnxPredict.FunctionName)) {
      throw OnnxErrors.extensionNotEnabled(
        StaticSQLConf.SPARK_SESSION_EXTENSIONS.key,
        ModelCatalog.ExtensionClass
      )
    }

  /** The class `spark.sql.extensions` must name (sparkonnx.SparkOnnxExtensions). */
  val ExtensionClass = "sparkonnx.SparkOnnxExtensions"

  /** Releases the broadcasts of configured models a new path replaced (called at planning). */
  def releaseReplaced(spark: SparkSession): Unit =
    ModelRegistry.of(spark).takeReplaced().foreach(model => releaseIfUnused(spark, model))

  /**
   * Adds a temporary SQL function named like the model, so `digits(pixels)` means
   * `onnx_predict('digits', pixels)` in this session. Function names are case-insensitive, as model
   * names are: the function of `FnM` is `fnm(...)` too, and always calls `FnM`'s model. A built-in
   * function's name, or another temporary function's, is refused.
   */
  def registerFunction(spark: SparkSession, name: String): Unit = {
    requireExtension(spark)
    lookup(spark, name)
    val registry = ModelRegistry.of(spark)
    if (SessionFunctions.isBuiltin(name)) {
      throw OnnxErrors.functionNameTaken(name, s"Spark has a built-in '$name'")
    }
    if (!registry.hasFunction(name) && SessionFunctions.isTemporary(spark, name)) {
      throw OnnxErrors.functionNameTaken(
        name,
        s"this session already has a temporary function '$name' (drop it first)"
      )
    }
    val spelled = registry.registeredName(name).getOrElse(name)
    SessionFunctions.register(
      spark,
      spelled,
      (arguments: Seq[Expression]) => OnnxPredictCall(Literal(spelled) +: arguments)
    )
    registry.addFunction(spelled)
  }

  /**
   * Forgets a model registered with `register` (by its name in any case), and its SQL function;
   * true if there was one.
   */
  def unregister(spark: SparkSession, name: String): Boolean = {
    val registry = ModelRegistry.of(spark)
    if (registry.removeFunction(name)) SessionFunctions.drop(spark, name)
    val removed = registry.remove(name)
    removed.foreach(model => releaseIfUnused(spark, model))
    removed.isDefined
  }

  /** The call options `name` was registered with. */
  def callOptions(spark: SparkSession, name: String): Map[String, String] =
    ModelRegistry.of(spark).options(name)

  /** The options a registration keeps for its calls (the tokenizer's path is read now). */
  private def checkOptions(options: java.util.Map[String, String]): Map[String, String] = {
    val parsed = Option(options).map(_.asScala.toMap).getOrElse(Map.empty) - "tokenizer"
    CallOptions.parse("register", parsed)
    parsed
  }

  /**
   * A text model's tokenizer, read and checked now, and the model checked to fit a text call (its
   * inputs token ids, its output per token or per text): a mismatch fails registration. None when
   * the options name no tokenizer; text options without one are refused.
   */
  private def textOf(
      spark: SparkSession,
      name: String,
      model: OnnxModel,
      options: java.util.Map[String, String]
  ): Option[TokenizerFile] = {
    val all = Option(options).map(_.asScala.toMap).getOrElse(Map.empty)
    all.get("tokenizer") match {
      case None =>
        all.find { case (key, _) => TextOptions.Names.contains(key) }.foreach { case (key, value) =>
          throw OnnxErrors.invalidOption(
            "register",
            key,
            value,
            "only a text model (registered with a tokenizer) takes it",
            CallOptions.Names :+ "tokenizer"
          )
        }
        None
      case Some(path) =>
        val tokenizer =
          ModelLoader.loadTokenizer(name, path, spark.sparkContext.hadoopConfiguration)
        val parsed = CallOptions.parse("register", all - "tokenizer")
        val text = TextOptions.parse("register", parsed.text, CallOptions.Names)
        TextBinding.bind(
          name,
          model,
          TextModel(tokenizer, text),
          "text",
          StringType,
          parsed.outputs,
          text.sortByLength
        )
        Some(tokenizer)
    }
  }

  /** Names of the models this session can use: registered ones and configured ones. */
  def registered(spark: SparkSession): Seq[String] = ModelRegistry.names(spark)

  /** Java-friendly [[registered]]. */
  def registeredNames(spark: SparkSession): java.util.List[String] = registered(spark).asJava

  /** The signature of the model registered as `name`, as JSON (inputs, outputs, opsets...). */
  def describe(spark: SparkSession, name: String): String = SignatureJson(lookup(spark, name))

  /** The model registered as `name`; throws `ONNX_MODEL_NOT_FOUND` if there is none. */
  def lookup(spark: SparkSession, name: String): OnnxModel = ModelRegistry.lookup(spark, name)

  private def load(spark: SparkSession, name: String, path: String): OnnxModel =
    check(spark, name, ModelLoader.load(name, path, spark.sparkContext.hadoopConfiguration))

  /**
   * Registration opens an ONNX Runtime session on the driver, so a model ORT cannot load fails now,
   * not in the middle of a job; in local mode tasks reuse it (same options, same key).
   */
  private def check(spark: SparkSession, name: String, model: OnnxModel): OnnxModel = {
    try
      SessionPool
        .lease(
          model.identity,
          SessionOptions.of(spark),
          () => model.bytes,
          model.localFile,
          model.sizeBytes
        )
        .close()
    catch {
      case e: OrtException =>
        throw OnnxErrors.invalidModel(name, model.source, e.getMessage, e)
    }
    model
  }
}
