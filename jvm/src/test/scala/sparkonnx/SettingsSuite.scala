package sparkonnx

import java.nio.file.{Files, Paths}

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.AnalysisException
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.conf.OnnxConf
import sparkonnx.runtime.SessionOptions

/**
 * The settings are Spark config entries: `SET -v` lists each with its doc, `SET` refuses the static
 * ones, a bad value is `ONNX_INVALID_SETTING` naming its key and range, and session settings stay
 * within the static bounds Spark started with. docs/security.md lists the same.
 */
class SettingsSuite extends AnyFunSuite with OnnxSparkSession {

  override protected def startupConf: Map[String, String] = Map(
    "spark.onnx.intraOpThreads.limit" -> "2",
    "spark.onnx.image.maxPixels.limit" -> "1000",
    "spark.onnx.batchMaxBytes.limit" -> "4096"
  )

  private def onnxRows: Seq[(String, String, String, String)] =
    spark
      .sql("SET -v")
      .collect()
      .toSeq
      .map(r => (r.getString(0), r.getString(1), r.getString(2), r.getString(3)))
      .filter(_._1.startsWith("spark.onnx."))

  test("SET -v lists every spark.onnx setting with its doc and version") {
    val listed = onnxRows
    assert(listed.map(_._1).sorted === OnnxConf.entries.map(_.key).sorted)
    listed.foreach { case (key, _, doc, version) =>
      assert(doc.length > 40, s"$key has no real doc")
      assert(version === "0.1.0", key)
    }
  }

  test("SET refuses every static setting, through SQL and the conf API alike") {
    val static = OnnxConf.entries.filter(_.isStatic).map(_.key)
    assert(
      static.toSet === Set(
        "spark.onnx.batchMaxBytes.limit",
        "spark.onnx.intraOpThreads.limit",
        "spark.onnx.image.maxPixels.limit",
        "spark.onnx.image.decodeBudget",
        "spark.onnx.sessionCache.maxBytes",
        "spark.onnx.executionProvider",
        "spark.onnx.customOpLibraries",
        "spark.onnx.model.allowedRoots",
        "spark.onnx.model.allowedUrlSchemes",
        "spark.onnx.zoo.dirs"
      )
    )
    static.foreach { key =>
      Seq[() => Unit](
        () => spark.sql(s"SET $key=/tmp/lib.so"),
        () => spark.conf.set(key, "1"),
        () => spark.conf.unset(key)
      ).foreach { attempt =>
        val error = intercept[AnalysisException](attempt())
        assert(error.getCondition === "CANNOT_MODIFY_STATIC_CONFIG", key)
        assert(error.getMessageParameters.get("key").contains(key))
      }
      assert(!spark.conf.isModifiable(key))
    }
    OnnxConf.entries.filterNot(_.isStatic).foreach(e => assert(spark.conf.isModifiable(e.key)))
  }

  private val badValues = Seq(
    ("batchSize zero", "spark.onnx.batchSize", "0", "an integer in [1, 1048576]"),
    ("batchSize not a number", "spark.onnx.batchSize", "abc", "an integer in [1, 1048576]"),
    ("batchSize in exponent form", "spark.onnx.batchSize", "1e3", "an integer in [1, 1048576]"),
    (
      "batchSize above its range",
      "spark.onnx.batchSize",
      "99999999999",
      "an integer in [1, 1048576]"
    ),
    (
      "batchMaxBytes negative",
      "spark.onnx.batchMaxBytes",
      "-1",
      "a size in bytes in [1, 4096] (a number, or with a unit: 64k, 16m, 1g), the bound " +
        "spark.onnx.batchMaxBytes.limit set when Spark started"
    ),
    (
      "batchMaxBytes above the static bound",
      "spark.onnx.batchMaxBytes",
      "2g",
      "a size in bytes in [1, 4096] (a number, or with a unit: 64k, 16m, 1g), the bound " +
        "spark.onnx.batchMaxBytes.limit set when Spark started"
    ),
    (
      "intraOpThreads 1024",
      "spark.onnx.intraOpThreads",
      "1024",
      "an integer in [1, 2], the bound spark.onnx.intraOpThreads.limit set when Spark started"
    ),
    (
      "intraOpThreads zero",
      "spark.onnx.intraOpThreads",
      "0",
      "an integer in [1, 2], the bound spark.onnx.intraOpThreads.limit set when Spark started"
    ),
    (
      "image.maxPixels 1e9",
      "spark.onnx.image.maxPixels",
      "1e9",
      "an integer in [1, 1000], the bound spark.onnx.image.maxPixels.limit set when Spark " +
        "started"
    ),
    (
      "image.maxPixels above the static bound",
      "spark.onnx.image.maxPixels",
      "1000000000",
      "an integer in [1, 1000], the bound spark.onnx.image.maxPixels.limit set when Spark " +
        "started"
    )
  )

  badValues.foreach { case (title, key, value, expected) =>
    test(s"bad value: $title is ONNX_INVALID_SETTING naming the key") {
      val before = spark.conf.getOption(key)
      Seq[() => Unit](() => spark.sql(s"SET $key=$value"), () => spark.conf.set(key, value))
        .foreach { attempt =>
          val error = intercept[IllegalArgumentException](attempt())
          assert(error.isInstanceOf[SparkThrowable], error)
          checkError(
            error,
            "ONNX_INVALID_SETTING",
            Map("key" -> key, "value" -> value, "expected" -> expected)
          )
        }
      assert(spark.conf.getOption(key) === before, "a refused value is not kept")
    }
  }

  test("session settings within their bounds are taken, and unset ones are bounded too") {
    assert(OnnxConf.intraOpThreads(spark) === 1) // spark.task.cpus
    assert(OnnxConf.imageMaxPixels(spark) === 1000) // min(50M, the static bound)
    assert(OnnxConf.batchMaxBytes(spark) === 4096) // min(1 MiB, the static bound)
    assert(OnnxConf.batchSize(spark) === 1024)
    try {
      spark.sql("SET spark.onnx.intraOpThreads=2")
      spark.sql("SET spark.onnx.batchMaxBytes=2k")
      spark.sql("SET spark.onnx.image.maxPixels=10")
      spark.conf.set("spark.onnx.batchSize", " 8 ")
      assert(SessionOptions.of(spark).intraOpThreads === 2)
      assert(OnnxConf.batchMaxBytes(spark) === 2048)
      assert(OnnxConf.imageMaxPixels(spark) === 10)
      assert(OnnxConf.batchSize(spark) === 8)
      assert(
        spark
          .sql("SELECT size(onnx_predict('digits', array_repeat(1.0F, 64)))")
          .head()
          .getInt(0) === 10
      )
    } finally
      Seq(
        "spark.onnx.intraOpThreads",
        "spark.onnx.batchMaxBytes",
        "spark.onnx.image.maxPixels",
        "spark.onnx.batchSize"
      ).foreach(spark.conf.unset)
  }

  test("the static values are the ones Spark started with") {
    assert(OnnxConf.INTRA_OP_THREADS_LIMIT.get(spark) === 2)
    assert(OnnxConf.INTRA_OP_THREADS_LIMIT.startupValue === 2)
    assert(OnnxConf.executionProvider(spark) === "cpu")
    assert(OnnxConf.customOpLibraries(spark).isEmpty)
  }

  test("docs/security.md lists the settings SET -v lists, with the same defaults and docs") {
    val doc = new String(Files.readAllBytes(Paths.get("docs", "security.md")), "UTF-8")
    val start = "<!-- settings:start (SettingsSuite keeps this table equal to SET -v) -->"
    val end = "<!-- settings:end -->"
    assert(doc.contains(start) && doc.contains(end), "docs/security.md has no settings table")
    val table = doc.substring(doc.indexOf(start) + start.length, doc.indexOf(end)).trim
    val expected = SettingsSuite.markdownTable(OnnxConf.entries.map { entry =>
      (entry.key, entry.isStatic, entry.defaultValueString, entry.doc)
    })
    assert(table === expected, s"\nregenerate the table in docs/security.md:\n$expected\n")
  }
}

object SettingsSuite {

  /**
   * The settings table of docs/security.md. A default that depends on the machine (the JVM's cores)
   * is written as such.
   */
  def markdownTable(entries: Seq[(String, Boolean, String, String)]): String = {
    val header = "| key | static | default | meaning |\n|---|---|---|---|"
    val rows = entries.map { case (key, static, default, doc) =>
      val shown = key match {
        case "spark.onnx.intraOpThreads.limit" => "the JVM's cores"
        case _ if default == "<undefined>" => "(unset)"
        case _ if default.isEmpty => "(none)"
        case _ => s"`$default`"
      }
      val text = doc.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
      s"| `$key` | ${if (static) "yes" else "no"} | $shown | $text |"
    }
    (header +: rows).mkString("\n")
  }
}
