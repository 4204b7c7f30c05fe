package sparkonnx.runtime

import ai.onnxruntime.{OrtEnvironment, OrtProvider, OrtSession}
import org.apache.spark.TaskContext
import org.apache.spark.sql.SparkSession

import sparkonnx.conf.OnnxConf
import sparkonnx.errors.OnnxErrors

/**
 * The ONNX Runtime settings a session is built with; part of the session cache key, so two callers
 * asking for different settings never share a session.
 *
 * @param executionProvider
 *   "cpu" or "cuda"; CUDA never falls back to the CPU silently.
 * @param deviceId
 *   the GPU for "cuda"; a task with GPU resources uses its assigned one.
 * @param customOpLibraries
 *   native custom-operator libraries: loaded only when configured, so loading a model never runs
 *   code its author chose.
 */
final case class SessionOptions(
    intraOpThreads: Int = 1,
    executionProvider: String = "cpu",
    deviceId: Int = 0,
    customOpLibraries: Seq[String] = Nil
) {
  require(intraOpThreads >= 1, s"intraOpThreads must be >= 1, got $intraOpThreads")
  require(
    Set("cpu", "cuda").contains(executionProvider),
    s"executionProvider must be cpu or cuda, got $executionProvider"
  )

  /** These options on the GPU Spark assigned to the running task, if it has one. */
  def forCurrentTask: SessionOptions =
    if (executionProvider != "cuda") this
    else {
      val assigned = Option(TaskContext.get())
        .flatMap(_.resources().get("gpu"))
        .flatMap(_.addresses.headOption)
        .map(_.trim.toInt)
      assigned.map(gpu => copy(deviceId = gpu)).getOrElse(this)
    }

  /** Native options for a new session; closed here if any step fails (they hold memory). */
  private[runtime] def toOrt: OrtSession.SessionOptions = {
    val options = new OrtSession.SessionOptions()
    try {
      options.setIntraOpNumThreads(intraOpThreads)
      // Spark runs one task per core; ORT's inter-op pool would only add idle threads.
      options.setInterOpNumThreads(1)
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT)
      customOpLibraries.foreach(options.registerCustomOpLibrary)
      if (executionProvider == "cuda") {
        if (!OrtEnvironment.getAvailableProviders.contains(OrtProvider.CUDA)) {
          throw OnnxErrors.providerUnavailable(
            "cuda",
            OrtEnvironment.getAvailableProviders.toArray
              .map(_.toString.toLowerCase)
              .sorted
              .mkString(", ")
          )
        }
        options.addCUDA(deviceId)
      }
      options
    } catch {
      case e: Throwable =>
        options.close()
        throw e
    }
  }
}

object SessionOptions {

  /** The options `session`'s settings ask for (threads within their static bound). */
  def of(session: SparkSession): SessionOptions = SessionOptions(
    intraOpThreads = OnnxConf.intraOpThreads(session),
    executionProvider = OnnxConf.executionProvider(session),
    customOpLibraries = OnnxConf.customOpLibraries(session)
  )
}
