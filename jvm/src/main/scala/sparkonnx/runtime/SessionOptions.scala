package sparkonnx.runtime

import ai.onnxruntime.OrtSession

/**
 * The ONNX Runtime settings a session is built with; part of the session cache key, so two
 * callers asking for different settings never share a session.
 */
final case class SessionOptions(intraOpThreads: Int = 1) {
  require(intraOpThreads >= 1, s"intraOpThreads must be >= 1, got $intraOpThreads")

  private[runtime] def toOrt: OrtSession.SessionOptions = {
    val options = new OrtSession.SessionOptions()
    options.setIntraOpNumThreads(intraOpThreads)
    // Spark runs one task per core; ORT's inter-op pool would only add idle threads.
    options.setInterOpNumThreads(1)
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT)
    options
  }
}
