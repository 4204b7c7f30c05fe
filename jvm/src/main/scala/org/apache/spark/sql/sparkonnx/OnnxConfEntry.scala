package org.apache.spark.sql.sparkonnx

import org.apache.spark.{SparkConf, SparkEnv}
import org.apache.spark.internal.config.{ConfigEntry, TypedConfigBuilder}
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.classic.{SparkSession => ClassicSession}
import org.apache.spark.sql.internal.SQLConf

/**
 * One spark-onnx setting as a Spark `ConfigEntry` registered with `SQLConf`, the way
 * `SQLConf`/`StaticSQLConf` and Delta's `DeltaSQLConf` define theirs (the builders are
 * `private[spark]`, hence this door): `SET -v` lists it with its doc and version, `SET` refuses a
 * static one (`CANNOT_MODIFY_STATIC_CONFIG`), and its parser checks every value set or read. The
 * entries themselves are listed in `sparkonnx.conf.OnnxConf`. Nothing else lives here.
 */
final class OnnxConfEntry[T] private (entry: ConfigEntry[T], val isStatic: Boolean) {

  def key: String = entry.key

  def doc: String = entry.doc

  def version: String = entry.version

  def defaultValueString: String = entry.defaultValueString

  /**
   * The value in `session`: for a session setting what `SET` gave it, else the startup value, else
   * the default; for a static setting the value Spark started with, whatever the session.
   */
  def get(session: SparkSession): T =
    if (isStatic) get(session.sparkContext.conf)
    else
      session match {
        case classic: ClassicSession => classic.sessionState.conf.getConf(entry)
        case _ => SQLConf.get.getConf(entry)
      }

  /** The value in a Spark configuration (static settings are only ever read from one). */
  def get(conf: SparkConf): T = conf.get(entry)

  /**
   * The value this JVM started with (its `SparkEnv`'s configuration; executors receive the
   * driver's): the one way code with no session (executors, setting parsers) reads a setting.
   */
  def startupValue: T = Option(SparkEnv.get)
    .map(env => get(env.conf))
    .getOrElse(
      entry.readFrom(
        new org.apache.spark.internal.config.ConfigReader(
          java.util.Collections.emptyMap[String, String]()
        )
      )
    )
}

object OnnxConfEntry {

  /**
   * A setting with a default. `parse(key, text)` turns a string into a value or throws an error
   * that names the key and what it accepts; `show` is its inverse.
   */
  def apply[T](key: String, doc: String, version: String, static: Boolean, default: T)(
      parse: (String, String) => T,
      show: T => String = (value: T) => String.valueOf(value)
  ): OnnxConfEntry[T] =
    new OnnxConfEntry(
      builder(key, doc, version, static, parse, show).createWithDefault(default),
      static
    )

  /** A setting with no default value: its readers decide what an unset value means. */
  def optional[T](key: String, doc: String, version: String, static: Boolean)(
      parse: (String, String) => T,
      show: T => String = (value: T) => String.valueOf(value)
  ): OnnxConfEntry[Option[T]] =
    new OnnxConfEntry[Option[T]](
      builder(key, doc, version, static, parse, show).createOptional,
      static
    )

  private def builder[T](
      key: String,
      doc: String,
      version: String,
      static: Boolean,
      parse: (String, String) => T,
      show: T => String
  ): TypedConfigBuilder[T] = {
    val base = if (static) SQLConf.buildStaticConf(key) else SQLConf.buildConf(key)
    new TypedConfigBuilder[T](base.doc(doc).version(version), text => parse(key, text), show)
  }
}
