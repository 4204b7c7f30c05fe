package sparkonnx.errors

import org.apache.spark.ErrorClassesJsonReader

/** Formats spark-onnx error conditions from `sparkonnx/error-conditions.json`. */
private[sparkonnx] object OnnxErrorConditions {
  private lazy val reader = new ErrorClassesJsonReader(
    Seq(getClass.getClassLoader.getResource("sparkonnx/error-conditions.json"))
  )

  def sqlState(condition: String): String = reader.getSqlState(condition)

  def messageTemplate(condition: String): String = reader.getMessageTemplate(condition)

  /** The message as Spark prints its own: `[CONDITION] text SQLSTATE: xxxxx`. */
  def message(condition: String, parameters: Map[String, String]): String =
    s"[$condition] ${reader.getErrorMessage(condition, parameters)} " +
      s"SQLSTATE: ${sqlState(condition)}"
}
