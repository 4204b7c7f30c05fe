package sparkonnx

import java.nio.file.{Files, Paths}

import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.model.OnnxModel
import sparkonnx.runtime.{SessionOptions, SessionPool}

class SessionPoolSuite extends AnyFunSuite {

  private val digits = Files.readAllBytes(Paths.get("models", "digits.onnx"))

  /** A distinct, still valid model: an unknown protobuf field appended changes its SHA-256. */
  private def variant(tag: Int): Array[Byte] =
    digits ++ Array[Byte](0xa0.toByte, 0x01, (0x40 + tag).toByte) // tags other suites do not use

  test("sessions are shared by key and built once, bytes fetched only to build") {
    val bytes = variant(1)
    val sha = OnnxModel.sha256Hex(bytes)
    var fetched = 0
    val before = SessionPool.sessionsCreated
    val leases = (1 to 3).map(_ =>
      SessionPool.lease(
        sha,
        SessionOptions(),
        () => {
          fetched += 1; bytes
        }
      )
    )
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
    SessionPool.overrideBudget(Some(a.length.toLong + a.length / 2)) // room for one model only
    try {
      val leaseA = SessionPool.lease(shaA, SessionOptions(), () => a)
      val evicted = leaseA.session
      leaseA.close()
      val closedBefore = SessionPool.sessionsClosed
      val leaseB = SessionPool.lease(shaB, SessionOptions(), () => b)
      assert(SessionPool.sessionsClosed - closedBefore === 1, "the evicted session was closed")
      // A closed OrtSession refuses to run: it really released its native memory.
      intercept[IllegalStateException](evicted.run(java.util.Collections.emptyMap()))
      var rebuilt = false
      val again = SessionPool.lease(shaA, SessionOptions(), () => { rebuilt = true; a })
      assert(rebuilt, "the evicted session was rebuilt")
      again.close()
      leaseB.close()
    } finally SessionPool.overrideBudget(None)
  }

  test("a leased session is not closed under its user when evicted") {
    val (a, b) = (variant(4), variant(5))
    SessionPool.overrideBudget(Some(a.length.toLong + a.length / 2))
    try {
      val held = SessionPool.lease(OnnxModel.sha256Hex(a), SessionOptions(), () => a)
      val other = SessionPool.lease(OnnxModel.sha256Hex(b), SessionOptions(), () => b)
      val closedBefore = SessionPool.sessionsClosed
      // Still usable: reading its metadata would fail on a closed session.
      assert(held.session.getInputNames.contains("pixels"))
      assert(SessionPool.sessionsClosed === closedBefore)
      held.close()
      assert(SessionPool.sessionsClosed - closedBefore === 1, "closed by its last release")
      other.close()
    } finally SessionPool.overrideBudget(None)
  }
}
