// A tiny sbt application that uses spark-onnx from the local Ivy repository (~/.ivy2/local),
// where `bin/sbt sparkOnnx/publishLocal` puts it: "io.github.sparkonnx" %% "spark-onnx" % "0.1.0"
// (ONNX Runtime comes with it). bin/examples publishes, then runs it with `sbt "run <model>"`.
scalaVersion := "2.13.18"

libraryDependencies ++= Seq(
  "io.github.sparkonnx" %% "spark-onnx" % "0.1.0",
  "org.apache.spark" %% "spark-sql" % "4.2.0" % Provided
)

// spark-submit provides Spark on a cluster; `sbt run` puts the provided jars on the classpath
// itself, in a forked JVM with the module openings Spark needs on Java 17.
Compile / run := Defaults
  .runTask(Compile / fullClasspath, Compile / run / mainClass, Compile / run / runner)
  .evaluated
run / fork := true
run / javaOptions ++= Seq(
  "--add-opens=java.base/java.lang=ALL-UNNAMED",
  "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
  "--add-opens=java.base/java.nio=ALL-UNNAMED",
  "--add-opens=java.base/java.util=ALL-UNNAMED",
  "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
  "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
  "-Dio.netty.tryReflectionSetAccessible=true"
)
