package sparkonnx

import java.nio.file.{Files, Paths}

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OnnxTensor, OrtSession}
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.model.OnnxModel
import sparkonnx.runtime.{SessionOptions, SessionPool}

class SessionPoolSuite extends AnyFunSuite {

  private val digits = Files.readAllBytes(Paths.get("models", "digits.onnx"))

  /** A distinct, still valid model: an unknown protobuf field appended changes its SHA-256. */
  private def variant(tag: Int): Array[Byte] =
    digits ++ Array[Byte](0xa0.toByte, 0x01, (0x40 + tag).toByte) // tags other suites do not use

  /** Scores one row: ONNX Runtime refuses ("Trying to score a closed OrtSession") once closed. */
  private def score(session: OrtSession): Unit = {
    val input = OnnxTensor.createTensor(SessionPool.environment, Array(Array.fill(64)(1f)))
    try session.run(Map("pixels" -> input).asJava).close() finally input.close()
  }

  private def assertClosed(session: OrtSession, what: String): Unit = {
    val error = intercept[IllegalStateException](score(session))
    assert(error.getMessage.contains("closed OrtSession"), s"$what: ${error.getMessage}")
  }

  test("sessions are shared by key and built once, bytes fetched only to build") {
    val bytes = variant(1)
    val sha = OnnxModel.sha256Hex(bytes)
    var fetched = 0
    val before = SessionPool.sessionsCreated
    val leases = (1 to 3).map(_ => SessionPool.lease(sha, SessionOptions(), () => {
      fetched += 1; bytes
    }))
    assert(leases.map(_.session).distinct.size === 1)
    assert(fetched === 1)
    assert(SessionPool.sessionsCreated - before === 1)
    leases.foreach(_.close())
    val otherThreads = SessionPool.lease(sha, SessionOptions(intraOpThreads = 2), () => bytes)
    assert(otherThreads.session ne leases.head.session)
    otherThreads.close()
  }

  test("over the byte budget the least recently used idle session is closed") {
    val (a, b) = (variant(2), variant(3))
    val (shaA, shaB) = (OnnxModel.sha256Hex(a), OnnxModel.sha256Hex(b))
    val budget = a.length.toLong + a.length / 2 // room for one model only
    val leaseA = SessionPool.lease(shaA, SessionOptions(), () => a, budget)
    val sessionA = leaseA.session
    score(sessionA)
    leaseA.close()
    score(sessionA) // idle, but within the budget: still open
    val leaseB = SessionPool.lease(shaB, SessionOptions(), () => b, budget)
    assertClosed(sessionA, "the evicted idle session")
    score(leaseB.session)
    var rebuilt = false
    val again = SessionPool.lease(shaA, SessionOptions(), () => { rebuilt = true; a }, budget)
    assert(rebuilt, "the evicted session was rebuilt")
    assert(again.session ne sessionA)
    score(again.session)
    again.close()
    leaseB.close()
  }

  test("a leased session is not closed under its user when evicted") {
    val (a, b) = (variant(4), variant(5))
    val budget = a.length.toLong + a.length / 2
    val held = SessionPool.lease(OnnxModel.sha256Hex(a), SessionOptions(), () => a, budget)
    val other = SessionPool.lease(OnnxModel.sha256Hex(b), SessionOptions(), () => b, budget)
    // Evicted while leased: still usable by its holder...
    score(held.session)
    assert(held.session.getInputNames.contains("pixels"))
    held.close()
    // ...and closed by its last release.
    assertClosed(held.session, "the evicted session after its last release")
    score(other.session)
    other.close()
  }
}
