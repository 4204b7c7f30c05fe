package sparkonnx.runtime

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong

import ai.onnxruntime.{OrtEnvironment, OrtSession}

import sparkonnx.model.OnnxModel

/**
 * One `OrtSession` per (model SHA-256, options) per JVM, created on first use and shared by all
 * task threads: `OrtSession.run` is thread-safe. Sessions are closed when the JVM exits.
 */
object SessionPool {
  private final case class Key(sha256: String, options: SessionOptions)

  lazy val environment: OrtEnvironment = OrtEnvironment.getEnvironment()

  private val sessions = new ConcurrentHashMap[Key, OrtSession]()
  private val created = new AtomicLong()

  sys.addShutdownHook(closeAll())

  /** The shared session for `model`; creates it on first call in this JVM. */
  def session(model: OnnxModel, options: SessionOptions): OrtSession =
    sessions.computeIfAbsent(Key(model.sha256, options), _ => {
      val ortOptions = options.toOrt
      try {
        val session = environment.createSession(model.bytes, ortOptions)
        created.incrementAndGet()
        session
      } finally ortOptions.close()
    })

  /** How many sessions this JVM has created since it started (for tests and metrics). */
  def sessionsCreated: Long = created.get()

  def closeAll(): Unit = {
    sessions.values().forEach(session => session.close())
    sessions.clear()
  }
}
