// Formatting: `bin/format` rewrites, `bin/lint` checks (scalafmtCheckAll, scalafmtSbtCheck).
// The scalafmt version itself is pinned in .scalafmt.conf; both resolve from Maven Central.
addSbtPlugin("org.scalameta" % "sbt-scalafmt" % "2.5.6")
