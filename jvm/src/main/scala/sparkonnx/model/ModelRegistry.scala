package sparkonnx.model

import java.util.{Collections, WeakHashMap}

import scala.collection.concurrent.TrieMap

import org.apache.spark.sql.SparkSession

import sparkonnx.conf.OnnxConf
import sparkonnx.errors.OnnxErrors
import sparkonnx.text.{TextModel, TextOptions, TokenizerFile}

/**
 * The models one SparkSession knows by name. Models come from explicit registration (Python, Scala,
 * Java) or from the configuration `spark.onnx.model.<name>=<path>`, which is loaded on first use
 * and reloaded if the configured path changes.
 *
 * Names are one case-insensitive namespace, like Spark's functions (whose registry lower-cases
 * names, so a per-model SQL function `FnM` is also `fnm`): `FnM` and `fnm` are the same model,
 * found by any spelling, and shown as it was registered. Every key below is [[ModelRegistry.key]]
 * of a name.
 */
final class ModelRegistry {
  import ModelRegistry.{key, Entry}

  private val explicit = TrieMap.empty[String, Entry]
  private val fromConf = TrieMap.empty[String, (String, OnnxModel)]
  private val functions = TrieMap.empty[String, Unit]
  private val shipped = TrieMap.empty[String, OnnxModel]
  private val texts = TrieMap.empty[String, TokenizerFile]
  private val textsFromConf = TrieMap.empty[String, (String, TokenizerFile)]

  /**
   * Registers `model` as `name`, with default call options (e.g. batchSize) for its calls; returns
   * the different model it replaced, if any. A different model under the same name in any case is
   * refused (`ONNX_MODEL_ALREADY_REGISTERED`) unless `replace`; the same model again only updates
   * its options and spelling. Atomic per registry.
   */
  def put(
      name: String,
      model: OnnxModel,
      options: Map[String, String] = Map.empty,
      replace: Boolean = true,
      tokenizer: Option[TokenizerFile] = None
  ): Option[OnnxModel] = synchronized {
    val existing = explicit.get(key(name))
    val replaced = existing.map(_.model).filter(_ != model)
    replaced.foreach { old =>
      if (!replace) {
        throw OnnxErrors.modelAlreadyRegistered(existing.get.name, old.sha256, model.sha256)
      }
    }
    explicit.put(key(name), Entry(name, model, options))
    tokenizer match {
      case Some(file) => texts.put(key(name), file)
      case None => texts.remove(key(name))
    }
    replaced
  }

  /** The model registered (not configured) as `name` in any case, if any. */
  def registeredModel(name: String): Option[OnnxModel] = explicit.get(key(name)).map(_.model)

  /** The name `name` was registered under, as its registration spelled it. */
  def registeredName(name: String): Option[String] = explicit.get(key(name)).map(_.name)

  /** Forgets the model registered as `name` in any case; returns it, if there was one. */
  def remove(name: String): Option[OnnxModel] = synchronized {
    texts.remove(key(name))
    explicit.remove(key(name)).map(_.model)
  }

  /** The tokenizer `name` was registered with (a text model), if any. */
  def registeredTokenizer(name: String): Option[TokenizerFile] = texts.get(key(name))

  /** Whether `name` is a registered model (its text settings come from its registration). */
  def isRegistered(name: String): Boolean = explicit.contains(key(name))

  /** The tokenizer configured at `path` for `name`, loaded by `load` unless already loaded. */
  private[model] def configuredTokenizer(
      name: String,
      path: String,
      load: String => TokenizerFile
  ): TokenizerFile =
    textsFromConf.get(key(name)) match {
      case Some((loadedPath, file)) if loadedPath == path => file
      case _ =>
        val file = load(path)
        textsFromConf.put(key(name), (path, file))
        file
    }

  /** Notes that `name` also has a per-model SQL function, dropped with the model. */
  def addFunction(name: String): Unit = functions.put(key(name), ())

  def removeFunction(name: String): Boolean = functions.remove(key(name)).isDefined

  def hasFunction(name: String): Boolean = functions.contains(key(name))

  /** The call options `name` was registered with; calls' own options override them. */
  def options(name: String): Map[String, String] =
    explicit.get(key(name)).map(_.options).getOrElse(Map.empty)

  /**
   * A model registered explicitly, else the one the configuration names, loaded by `load`. `conf`
   * reads one setting; `configured` lists the configured model names, for a name spelled in another
   * case than its setting (`spark.onnx.model.Digits` found as `digits`; when several settings
   * differ only in case, only their exact spellings find them).
   */
  def lookup(
      name: String,
      conf: String => Option[String],
      configured: () => Seq[String],
      load: (String, String) => OnnxModel
  ): Option[OnnxModel] = {
    explicit.get(key(name)).map(_.model).orElse {
      val setting = ModelRegistry.configuredKey(name).flatMap(conf).map(name -> _).orElse {
        configured().filter(key(_) == key(name)) match {
          case Seq(only) => ModelRegistry.configuredKey(only).flatMap(conf).map(only -> _)
          case _ => None
        }
      }
      setting.map { case (spelled, path) =>
        fromConf.get(spelled) match {
          case Some((loadedPath, model)) if loadedPath == path => model
          case previous =>
            val model = load(spelled, path)
            fromConf.put(spelled, (path, model))
            previous.foreach { case (_, old) => replacedModels.add(old) }
            model
        }
      }
    }
  }

  /**
   * A shipped model ([[ShippedModels]]) found by `find` and loaded by `load` on first use, then
   * kept for the session; asked only when no registered or configured model has the name.
   */
  def shippedModel(
      name: String,
      find: String => Option[String],
      load: (String, String) => OnnxModel
  ): Option[OnnxModel] =
    shipped.get(key(name)).orElse {
      find(name).map { path =>
        val model = load(name, path)
        shipped.putIfAbsent(key(name), model).getOrElse(model)
      }
    }

  /** The registered names, as registered, sorted. */
  def explicitNames: Seq[String] = explicit.values.map(_.name).toSeq.sorted

  /** Whether any name, registered or configured, refers to `model` now. */
  def names(model: OnnxModel): Boolean =
    explicit.values.exists(_.model == model) || fromConf.values.exists(_._2 == model) ||
      shipped.values.exists(_ == model)

  // Configured models replaced by a new path: their broadcasts may be released once planned.
  private val replacedModels = new java.util.concurrent.ConcurrentLinkedQueue[OnnxModel]()

  /** The configured models replaced since the last call, for their resources to be released. */
  def takeReplaced(): Seq[OnnxModel] = Iterator
    .continually(replacedModels.poll())
    .takeWhile(_ != null)
    .toSeq
}

object ModelRegistry {

  /** A registered model, under the name as its registration spelled it. */
  private final case class Entry(name: String, model: OnnxModel, options: Map[String, String])

  val ConfPrefix = "spark.onnx.model."

  /** How names compare: case-insensitively, as Spark compares function names. */
  def key(name: String): String = name.toLowerCase(java.util.Locale.ROOT)

  /**
   * The model `session` knows as `name`: registered, or configured (loaded and checked on first
   * use: its file and signature, no session), else shipped (`spark.onnx.zoo.dirs`); throws
   * `ONNX_MODEL_NOT_FOUND` if there is none.
   */
  def lookup(session: SparkSession, name: String): OnnxModel = {
    val hadoopConf = session.sparkContext.hadoopConfiguration
    val registry = of(session)
    // Per-model keys are a pattern, not typed entries (as Spark's spark.sql.catalog.<name>).
    registry
      .lookup(
        name,
        key => session.conf.getOption(key),
        () => configured(session),
        { (n, path) =>
          // A value other than the one Spark started with was set at run time (SET, Connect).
          val startup = session.sparkContext.getConf.getOption(confKey(n))
          ModelSources.checkConfigured(n, path, startup, hadoopConf)
          ModelLoader.load(n, path, hadoopConf)
        }
      )
      .orElse(
        registry.shippedModel(
          name,
          ShippedModels.path(_, hadoopConf),
          ModelLoader.load(_, _, hadoopConf)
        )
      )
      .getOrElse(throw OnnxErrors.modelNotFound(name, names(session)))
  }

  /**
   * Names of the models `session` can use: registered ones and configured ones, one per name in any
   * case (a registered name hides a configured one that differs only in case).
   */
  def names(session: SparkSession): Seq[String] = {
    val registered = of(session).explicitNames
    val taken = registered.map(key).toSet
    (registered ++ configured(session).filterNot(n => taken.contains(key(n)))).distinct.sorted
  }

  private def configured(session: SparkSession): Seq[String] =
    session.conf.getAll.keys
      .filter(_.startsWith(ConfPrefix))
      .map(_.stripPrefix(ConfPrefix))
      .filterNot(ReservedNames.contains)
      .toSeq

  def confKey(name: String): String = ConfPrefix + name

  /**
   * Text settings of a configured model (Spark Connect, `spark-sql`):
   * `spark.onnx.text.<name>.tokenizer=<path>`, and `.pooling`, `.normalize`, `.maxLength`,
   * `.sortByLength` as registration options.
   */
  val TextConfPrefix = "spark.onnx.text."

  /**
   * The text model `name` is, if it is one: its tokenizer and options, from its registration, else
   * from the session's `spark.onnx.text.<name>.*` settings (the tokenizer file read, and checked
   * like a configured model's path, on first use).
   */
  def text(session: SparkSession, name: String): Option[(TokenizerFile, Map[String, String])] = {
    val registry = of(session)
    if (registry.isRegistered(name)) {
      registry.registeredTokenizer(name).map(_ -> registry.options(name))
    } else {
      val spelled = registry.registeredName(name).getOrElse(name)
      val prefix = TextConfPrefix + spelled + "."
      val settings = session.conf.getAll.collect {
        case (k, v) if k.toLowerCase(java.util.Locale.ROOT).startsWith(key(prefix)) =>
          k.substring(prefix.length) -> v
      }
      settings.get("tokenizer").map { path =>
        val hadoopConf = session.sparkContext.hadoopConfiguration
        val startup = session.sparkContext.getConf.getOption(prefix + "tokenizer")
        val file = registry.configuredTokenizer(
          name,
          path,
          p => {
            ModelSources.checkConfigured(name, p, startup, hadoopConf)
            ModelLoader.loadTokenizer(name, p, hadoopConf)
          }
        )
        file -> settings.filter { case (k, _) => k != "tokenizer" && TextOptions.Names.contains(k) }
      }
    }
  }

  /** Builds the text model of `tokenizer` and `options` (registration's, then the call's). */
  def textModel(
      function: String,
      tokenizer: TokenizerFile,
      options: Map[String, String],
      all: Seq[String]
  ): TextModel =
    TextModel(tokenizer, TextOptions.parse(function, options, all))

  /** Names whose key under the prefix is a setting (`spark.onnx.model.allowedRoots`), no model. */
  lazy val ReservedNames: Set[String] = OnnxConf.entries
    .map(_.key)
    .filter(_.startsWith(ConfPrefix))
    .map(_.stripPrefix(ConfPrefix))
    .toSet

  /** The key configuring the model `name`, unless that key is a setting. */
  def configuredKey(name: String): Option[String] =
    if (ReservedNames.contains(name)) None else Some(confKey(name))

  private val registries =
    Collections.synchronizedMap(new WeakHashMap[SparkSession, ModelRegistry]())

  /** Whether some session of the SparkContext `sc` still names `model`. */
  def namedInContext(sc: org.apache.spark.SparkContext, model: OnnxModel): Boolean =
    registries.synchronized {
      registries
        .entrySet()
        .toArray(new Array[java.util.Map.Entry[SparkSession, ModelRegistry]](0))
        .exists(e => e.getKey != null && (e.getKey.sparkContext eq sc) && e.getValue.names(model))
    }

  /** The registry of `session`, created on first use; dropped when the session is collected. */
  def of(session: SparkSession): ModelRegistry = registries.synchronized {
    registries.computeIfAbsent(session, _ => new ModelRegistry)
  }
}
