package org.apache.spark.sql.sparkonnx

import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.FunctionIdentifier
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry.FunctionBuilder
import org.apache.spark.sql.classic.{SparkSession => ClassicSession}

/**
 * The one door into the session's function registry (`private[sql]`), used to add a temporary
 * per-model SQL function, or to see whether the extension's functions are there. Nothing else lives
 * here.
 */
object SessionFunctions {

  def isBuiltin(name: String): Boolean =
    FunctionRegistry.builtin.functionExists(FunctionIdentifier(name))

  /**
   * Whether `spark`'s function registry has `name` (built in, injected by an extension or
   * temporary): the extension's functions exist only where `spark.sql.extensions` loaded it.
   */
  def exists(spark: SparkSession, name: String): Boolean = spark.catalog.functionExists(name)

  /** Whether `spark` has a temporary function `name` (in any case). */
  def isTemporary(spark: SparkSession, name: String): Boolean =
    spark
      .asInstanceOf[ClassicSession]
      .sessionState
      .catalog
      .isTemporaryFunction(FunctionIdentifier(name))

  /** Adds or replaces the temporary function `name` in `spark` (like a temp view). */
  def register(spark: SparkSession, name: String, builder: FunctionBuilder): Unit =
    spark
      .asInstanceOf[ClassicSession]
      .sessionState
      .functionRegistry
      .createOrReplaceTempFunction(name, builder, "scala_udf")

  def drop(spark: SparkSession, name: String): Unit =
    spark
      .asInstanceOf[ClassicSession]
      .sessionState
      .catalog
      .dropTempFunction(name, ignoreIfNotExists = true)
}
