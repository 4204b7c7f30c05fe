package sparkonnx

import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.sql.functions.FunctionCatalog

/** Runs every example in every function's documentation and checks its printed output. */
class FunctionExamplesSuite extends AnyFunSuite with OnnxSparkSession {

  override protected def startupConf: Map[String, String] = tinyTextConf

  /** (query, expected output lines) pairs from the `Examples:` block, as Spark writes them. */
  private def examples(text: String): Seq[(String, Seq[String])] = {
    val lines = text.split("\n").map(_.trim).filter(_.nonEmpty).dropWhile(_ != "Examples:").drop(1)
    lines.foldLeft(Vector.empty[(String, Vector[String])]) {
      case (acc, line) if line.startsWith(">") =>
        acc :+ (line.drop(1).trim.stripSuffix(";") -> Vector())
      case (acc, line) => acc.init :+ (acc.last._1 -> (acc.last._2 :+ line))
    }
  }

  FunctionCatalog.functions.foreach { case (id, info, _) =>
    test(s"${id.funcName}: documented examples run and print what the docs say") {
      val cases = examples(info.getExamples)
      assert(cases.nonEmpty, s"${id.funcName} documents no examples")
      cases.foreach { case (query, expected) =>
        val actual = spark.sql(query).collect().map(_.toSeq.map(String.valueOf).mkString("\t"))
        assert(actual.toSeq === expected, query)
      }
    }
  }
}
