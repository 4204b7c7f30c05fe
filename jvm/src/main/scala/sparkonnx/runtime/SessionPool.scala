package sparkonnx.runtime

import java.util.concurrent.atomic.AtomicLong

import scala.collection.mutable

import ai.onnxruntime.{OrtEnvironment, OrtSession}

import sparkonnx.conf.OnnxConf

/**
 * One `OrtSession` per (model SHA-256, options) per JVM, created on first use and shared by all
 * task threads: `OrtSession.run` is thread-safe. Users hold a [[SessionLease]] while they run; when
 * the cached models' total size passes the byte budget, the least recently used sessions nobody
 * holds are closed. Everything left is closed when the JVM exits.
 */
object SessionPool {
  private final case class Key(identity: String, options: SessionOptions)

  private final class Entry(val session: OrtSession, val sizeBytes: Long) {
    var leases = 0
    var lastUsed = 0L
    var evicted = false
  }

  @volatile private var budgetOverride: Option[Long] = None

  /** The JVM's budget for cached sessions' model bytes: a static setting, read once. */
  private lazy val configuredBudget: Long = OnnxConf.SESSION_CACHE_MAX_BYTES.startupValue

  private def maxBytes: Long = budgetOverride.getOrElse(configuredBudget)

  /** Sets the budget for this JVM (tests); `None` goes back to the configured one. */
  private[sparkonnx] def overrideBudget(bytes: Option[Long]): Unit = synchronized {
    budgetOverride = bytes
    evictOverBudget()
  }

  lazy val environment: OrtEnvironment = OrtEnvironment.getEnvironment()

  private val entries = mutable.LinkedHashMap.empty[Key, Entry]
  private var clock = 0L
  private val created = new AtomicLong()
  private val runs = new AtomicLong()

  sys.addShutdownHook(closeAll())

  /**
   * Leases the session for the model `identity`, creating it from `bytes()` (or from the file
   * `path`, for a model with external data) if this JVM has none: the bytes are only fetched (e.g.
   * from a broadcast) when a session must be built. `sizeBytes` is what the model counts against
   * the budget (its own files for a model with external data).
   */
  def lease(
      identity: String,
      options: SessionOptions,
      bytes: () => Array[Byte],
      path: Option[String] = None,
      sizeBytes: Long = -1L
  ): SessionLease = {
    val key = Key(identity, options)
    leases.incrementAndGet()
    val entry = synchronized(entries.get(key).map(take).orNull)
    val leased = if (entry != null) entry else create(key, bytes, path, sizeBytes)
    new SessionLease(leased.session, () => release(leased))
  }

  /** Marks `entry` used and leased; callers hold the lock. */
  private def take(entry: Entry): Entry = {
    entry.leases += 1
    clock += 1
    entry.lastUsed = clock
    entry
  }

  /** Builds outside the lock (it can take seconds); a racing builder's session is dropped. */
  private def create(
      key: Key,
      bytes: () => Array[Byte],
      path: Option[String],
      sizeBytes: Long
  ): Entry = {
    val ortOptions = key.options.toOrt
    // A model with external data opens by path, so ORT finds its weight files beside it.
    val (session, size) =
      try
        path match {
          case Some(file) => (environment.createSession(file, ortOptions), sizeBytes)
          case None =>
            val model = bytes()
            (environment.createSession(model, ortOptions), model.length.toLong)
        }
      finally ortOptions.close()
    synchronized {
      entries.get(key) match {
        case Some(winner) =>
          session.close()
          take(winner)
        case None =>
          created.incrementAndGet()
          val entry = take(new Entry(session, math.max(size, 0L)))
          entries.put(key, entry)
          evictOverBudget()
          entry
      }
    }
  }

  private def release(entry: Entry): Unit = synchronized {
    entry.leases -= 1
    if (entry.evicted && entry.leases == 0) closeSession(entry)
  }

  /**
   * Drops least recently used sessions until the budget holds, never the newest one. A leased
   * session is closed by its last release; an idle one now.
   */
  private def evictOverBudget(): Unit = {
    var total = entries.valuesIterator.map(_.sizeBytes).sum
    val byAge = entries.toSeq.sortBy(_._2.lastUsed).dropRight(1)
    byAge.iterator.takeWhile(_ => total > maxBytes).foreach { case (key, entry) =>
      entries.remove(key)
      entry.evicted = true
      total -= entry.sizeBytes
      if (entry.leases == 0) closeSession(entry)
    }
  }

  private val closed = new AtomicLong()

  private def closeSession(entry: Entry): Unit = {
    entry.session.close()
    closed.incrementAndGet()
  }

  private val leases = new AtomicLong()

  /** Leases taken in this JVM since it started: scorers made (empty partitions make none). */
  def leasesTaken: Long = leases.get()

  /** Sessions this JVM has closed (evicted or at shutdown), for tests and metrics. */
  def sessionsClosed: Long = closed.get()

  /** Sessions this JVM has created since it started (for tests and metrics). */
  def sessionsCreated: Long = created.get()

  /** Sessions open in this JVM now. */
  def sessionsOpen: Int = synchronized(entries.size)

  /** `OrtSession.run` calls made by this JVM since it started (for tests and metrics). */
  def sessionRuns: Long = runs.get()

  private[runtime] def countRun(): Unit = runs.incrementAndGet()

  def closeAll(): Unit = synchronized {
    entries.valuesIterator.foreach { entry =>
      entry.evicted = true
      if (entry.leases == 0) closeSession(entry)
    }
    entries.clear()
  }
}

/** A session in use; `close()` hands it back to the pool. Not thread-safe: one per task. */
final class SessionLease private[runtime] (val session: OrtSession, onRelease: () => Unit)
    extends AutoCloseable {
  private var released = false

  /** Runs the session, counting the call. */
  def run(
      feed: java.util.Map[String, ai.onnxruntime.OnnxTensor],
      outputs: java.util.Set[String]
  ): OrtSession.Result = {
    SessionPool.countRun()
    session.run(feed, outputs)
  }

  override def close(): Unit = if (!released) {
    released = true
    onRelease()
  }
}
