package sparkonnx.model

import java.util.{Collections, WeakHashMap}

import scala.collection.concurrent.TrieMap

import org.apache.spark.sql.SparkSession

import sparkonnx.conf.OnnxConf

/**
 * The models one SparkSession knows by name. Models come from explicit registration (Python,
 * Scala, Java) or from the configuration `spark.onnx.model.<name>=<path>`, which is loaded on
 * first use and reloaded if the configured path changes.
 */
final class ModelRegistry {
  private val explicit = TrieMap.empty[String, OnnxModel]
  private val fromConf = TrieMap.empty[String, (String, OnnxModel)]
  private val callOptions = TrieMap.empty[String, Map[String, String]]

  /** Registers `model` as `name`, with default call options (e.g. batchSize) for its calls. */
  def put(name: String, model: OnnxModel, options: Map[String, String] = Map.empty): Unit = {
    explicit.put(name, model)
    if (options.isEmpty) callOptions.remove(name) else callOptions.put(name, options)
  }

  private val functions = TrieMap.empty[String, Unit]

  /** The model registered (not configured) as `name`, if any. */
  def registeredModel(name: String): Option[OnnxModel] = explicit.get(name)

  def remove(name: String): Boolean = {
    callOptions.remove(name)
    explicit.remove(name).isDefined
  }

  /** Notes that `name` also has a per-model SQL function, dropped with the model. */
  def addFunction(name: String): Unit = functions.put(name, ())

  def removeFunction(name: String): Boolean = functions.remove(name).isDefined

  /** The call options `name` was registered with; calls' own options override them. */
  def options(name: String): Map[String, String] = callOptions.getOrElse(name, Map.empty)

  /** A model registered explicitly, else the one the configuration names, loaded by `load`. */
  def lookup(
      name: String,
      conf: String => Option[String],
      load: (String, String) => OnnxModel): Option[OnnxModel] = {
    explicit.get(name).orElse {
      ModelRegistry.configuredKey(name).flatMap(conf).map { path =>
        fromConf.get(name) match {
          case Some((loadedPath, model)) if loadedPath == path => model
          case previous =>
            val model = load(name, path)
            fromConf.put(name, (path, model))
            previous.foreach { case (_, old) => replacedModels.add(old) }
            model
        }
      }
    }
  }

  def explicitNames: Seq[String] = explicit.keys.toSeq.sorted

  /** Whether any name, registered or configured, refers to `model` now. */
  def names(model: OnnxModel): Boolean =
    explicit.values.exists(_ == model) || fromConf.values.exists(_._2 == model)

  // Configured models replaced by a new path: their broadcasts may be released once planned.
  private val replacedModels = new java.util.concurrent.ConcurrentLinkedQueue[OnnxModel]()

  /** The configured models replaced since the last call, for their resources to be released. */
  def takeReplaced(): Seq[OnnxModel] = Iterator.continually(replacedModels.poll())
    .takeWhile(_ != null).toSeq
}

object ModelRegistry {
  val ConfPrefix = "spark.onnx.model."

  /**
   * The model `session` knows as `name`: registered, or configured (loaded and checked on first
   * use: its file and signature, no session); throws `ONNX_MODEL_NOT_FOUND` if there is none.
   */
  def lookup(session: SparkSession, name: String): OnnxModel = {
    val hadoopConf = session.sparkContext.hadoopConfiguration
    // Per-model keys are a pattern, not typed entries (as Spark's spark.sql.catalog.<name>).
    of(session).lookup(name, key => session.conf.getOption(key), { (n, path) =>
      // A value other than the one Spark started with was set at run time (SET, Connect).
      val startup = session.sparkContext.getConf.getOption(confKey(n))
      ModelSources.checkConfigured(n, path, startup, hadoopConf)
      ModelLoader.load(n, path, hadoopConf)
    }).getOrElse(throw sparkonnx.errors.OnnxErrors.modelNotFound(name, names(session)))
  }

  /** Names of the models `session` can use: registered ones and configured ones. */
  def names(session: SparkSession): Seq[String] = {
    val configured = session.conf.getAll.keys
      .filter(_.startsWith(ConfPrefix))
      .map(_.stripPrefix(ConfPrefix))
      .filterNot(ReservedNames.contains)
    (of(session).explicitNames ++ configured).toSeq.distinct.sorted
  }

  def confKey(name: String): String = ConfPrefix + name

  /** Names whose key under the prefix is a setting (`spark.onnx.model.allowedRoots`), no model. */
  lazy val ReservedNames: Set[String] = OnnxConf.entries.map(_.key)
    .filter(_.startsWith(ConfPrefix)).map(_.stripPrefix(ConfPrefix)).toSet

  /** The key configuring the model `name`, unless that key is a setting. */
  def configuredKey(name: String): Option[String] =
    if (ReservedNames.contains(name)) None else Some(confKey(name))

  private val registries =
    Collections.synchronizedMap(new WeakHashMap[SparkSession, ModelRegistry]())

  /** Whether some session of the SparkContext `sc` still names `model`. */
  def namedInContext(sc: org.apache.spark.SparkContext, model: OnnxModel): Boolean =
    registries.synchronized {
      registries.entrySet().toArray(new Array[java.util.Map.Entry[SparkSession, ModelRegistry]](0))
        .exists(e => e.getKey != null && (e.getKey.sparkContext eq sc) && e.getValue.names(model))
    }

  /** The registry of `session`, created on first use; dropped when the session is collected. */
  def of(session: SparkSession): ModelRegistry = registries.synchronized {
    registries.computeIfAbsent(session, _ => new ModelRegistry)
  }
}
