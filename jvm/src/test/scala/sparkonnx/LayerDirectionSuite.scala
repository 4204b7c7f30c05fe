package sparkonnx

import java.nio.file.{Files, Path, Paths}

import scala.jdk.CollectionConverters._

import org.scalatest.funsuite.AnyFunSuite

/**
 * The layers of docs/architecture.md point one way: a file may use its own layer and the layers
 * below it, never one above. Fails on any reference (import or qualified name, outside comments)
 * that points up.
 */
class LayerDirectionSuite extends AnyFunSuite {

  /** Packages from the bottom up; the user facade (`sparkonnx` itself) is the top. */
  private val layers: Seq[(String, Int)] = Seq(
    "sparkonnx.errors" -> 0,
    "sparkonnx.conf" -> 0,
    "sparkonnx.model" -> 0,
    "sparkonnx.image" -> 0,
    "sparkonnx.text" -> 0,
    "sparkonnx.runtime" -> 1,
    "sparkonnx.tensor" -> 2,
    "sparkonnx.sql" -> 3,
    "sparkonnx.sql.functions" -> 4,
    "sparkonnx.sql.execution" -> 5,
    "sparkonnx.sql.planning" -> 6,
    "sparkonnx.ml" -> 7,
    "sparkonnx" -> 8
  )

  private def layerOf(qualified: String): Option[(String, Int)] =
    layers
      .filter { case (pkg, _) => qualified == pkg || qualified.startsWith(pkg + ".") }
      .sortBy(-_._1.length)
      .headOption

  private val sources: Seq[Path] = {
    val root = Paths.get("jvm", "src", "main", "scala", "sparkonnx")
    Files.walk(root).iterator().asScala.filter(_.toString.endsWith(".scala")).toSeq.sorted
  }

  // `sparkonnx.x...`, not `private[sparkonnx]` nor the shims under `org.apache.spark.*.sparkonnx`.
  private val Reference = """(?<![.\w\[])sparkonnx(\.[a-z]\w*)*(\.[A-Z]\w*)""".r

  // A class named in a string (a setting's value, as "sparkonnx.SparkOnnxExtensions" for
  // spark.sql.extensions in an error) is data, not a dependency.
  private val StringLiteral = "\"(?:[^\"\\\\]|\\\\.)*\"".r

  private def violations(file: Path): Seq[String] = {
    val lines = Files.readAllLines(file).asScala.toSeq
    val pkg = lines
      .collectFirst { case l if l.startsWith("package ") => l.stripPrefix("package ").trim }
      .getOrElse(fail(s"$file has no package"))
    val own = layerOf(pkg).map(_._2).getOrElse(fail(s"$file: package $pkg is in no layer"))
    lines.zipWithIndex
      .filterNot { case (line, _) =>
        val code = line.trim
        code.startsWith("package ") || code.startsWith("*") || code.startsWith("/*") ||
        code.startsWith("//")
      }
      .flatMap { case (line, index) =>
        Reference.findAllIn(StringLiteral.replaceAllIn(line, "\"\"")).toSeq.flatMap { reference =>
          val packagePart = reference
            .split('.')
            .takeWhile(p => p.headOption.exists(_.isLower))
            .mkString(".")
          layerOf(packagePart).collect {
            case (target, rank) if rank > own =>
              s"${file.getFileName}:${index + 1} ($pkg) uses $reference, a layer above"
          }
        }
      }
  }

  test("every main source file sits in a layer and uses only its layer or those below") {
    assert(sources.nonEmpty)
    val found = sources.flatMap(violations)
    assert(found.isEmpty, found.mkString("\n", "\n", ""))
  }

  test("the check itself catches an upward reference") {
    val probe = Files.createTempFile("UpwardProbe", ".scala")
    try {
      Files.writeString(probe, "package sparkonnx.tensor\n\nimport sparkonnx.sql.OnnxConf\n")
      assert(violations(probe).nonEmpty)
      Files.writeString(probe, "package sparkonnx.sql.planning\n\nimport sparkonnx.tensor.X\n")
      assert(violations(probe).isEmpty)
      Files.writeString(probe, "package sparkonnx.tensor\n\nval c = \"sparkonnx.sql.OnnxConf\"\n")
      assert(violations(probe).isEmpty)
    } finally Files.delete(probe)
  }
}
