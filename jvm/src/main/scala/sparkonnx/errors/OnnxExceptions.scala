package sparkonnx.errors

import scala.jdk.CollectionConverters._

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.AnalysisException

/**
 * An analysis-time spark-onnx error. It is an `AnalysisException`, so Spark, PySpark and Spark
 * Connect clients handle it like any analysis error, with our condition and parameters.
 */
class OnnxAnalysisException(
    condition: String,
    parameters: Map[String, String],
    cause: Option[Throwable] = None
) extends AnalysisException(
      OnnxErrorConditions.message(condition, parameters),
      None,
      None,
      cause,
      Some(condition),
      parameters,
      Array.empty,
      Some(OnnxErrorConditions.sqlState(condition)),
      Some(OnnxErrorConditions.messageTemplate(condition))
    )

/** A spark-onnx error raised while rows are being scored (on an executor). */
class OnnxExecutionException(
    condition: String,
    parameters: Map[String, String],
    cause: Throwable = null
) extends RuntimeException(OnnxErrorConditions.message(condition, parameters), cause)
    with SparkThrowable {
  override def getCondition: String = condition
  override def getSqlState: String = OnnxErrorConditions.sqlState(condition)
  override def getMessageParameters: java.util.Map[String, String] = parameters.asJava
  override def getDefaultMessageTemplate: String = OnnxErrorConditions.messageTemplate(condition)
}

/**
 * A bad argument (a setting's value, a function name, a stage's model): an
 * `IllegalArgumentException`, as Spark's own `INVALID_CONF_VALUE`, with our condition, so PySpark
 * and Spark Connect map it like Spark's.
 */
class OnnxIllegalArgumentException(condition: String, parameters: Map[String, String])
    extends IllegalArgumentException(OnnxErrorConditions.message(condition, parameters))
    with SparkThrowable {
  override def getCondition: String = condition
  override def getSqlState: String = OnnxErrorConditions.sqlState(condition)
  override def getMessageParameters: java.util.Map[String, String] = parameters.asJava
  override def getDefaultMessageTemplate: String = OnnxErrorConditions.messageTemplate(condition)
}
