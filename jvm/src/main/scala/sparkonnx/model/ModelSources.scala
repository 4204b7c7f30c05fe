package sparkonnx.model

import java.net.URI
import java.nio.file.{Files, Paths}

import scala.util.control.NonFatal

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.{FileSystem, Path}

import sparkonnx.conf.OnnxConf
import sparkonnx.errors.OnnxErrors

/**
 * Where a model may be read from, decided before any file system is touched (so a refusal says
 * nothing about what exists there):
 *
 *   - URL schemes that fetch from a server (`http`, `https`, `ftp`, `sftp`) only when
 *     `spark.onnx.model.allowedUrlSchemes` lists them, whoever names the model: a session must not
 *     make the driver send requests (SSRF).
 *   - A model named at run time (`SET spark.onnx.model.<name>` in a SQL, Thrift or Connect session)
 *     only from under `spark.onnx.model.allowedRoots`, after `..` is resolved and, on the local
 *     file system, symlinks too. Models configured when Spark started and models the application
 *     registers are trusted, as whoever starts Spark is.
 */
object ModelSources {

  /** Refuses `path` if its scheme fetches from a server that the static setting does not allow. */
  def checkScheme(name: String, path: String): Unit = {
    val scheme = schemeOf(path)
    val allowed = OnnxConf.MODEL_ALLOWED_URL_SCHEMES.startupValue
    scheme.filter(OnnxConf.UrlSchemes.contains).filterNot(allowed.contains).foreach { s =>
      throw OnnxErrors
        .modelSchemeNotAllowed(name, path, s, OnnxConf.MODEL_ALLOWED_URL_SCHEMES.key, allowed)
    }
  }

  /**
   * Refuses a model set at run time (`path` differs from `startupValue`, the value Spark started
   * with) unless `path` lies under an allowed root. `hadoopConf` only gives the default file system
   * for paths without a scheme; nothing is read unless the path is under a local root.
   */
  def checkConfigured(
      name: String,
      path: String,
      startupValue: Option[String],
      hadoopConf: Configuration
  ): Unit = {
    checkScheme(name, path)
    if (!startupValue.contains(path)) {
      val roots = OnnxConf.MODEL_ALLOWED_ROOTS.startupValue
      def refuse() =
        OnnxErrors.modelSourceNotAllowed(name, path, OnnxConf.MODEL_ALLOWED_ROOTS.key, roots)
      val defaultFs = FileSystem.getDefaultUri(hadoopConf)
      val target = qualified(path, defaultFs).getOrElse(throw refuse())
      val under = roots.flatMap(qualified(_, defaultFs)).filter(contains(_, target))
      if (under.isEmpty) throw refuse()
      if (target.getScheme == "file" && !under.exists(root => realUnder(root, target))) {
        throw refuse()
      }
    }
  }

  private def schemeOf(path: String): Option[String] =
    try Option(new Path(path).toUri.getScheme).map(_.toLowerCase)
    catch {
      case NonFatal(_) => None
    }

  /**
   * `path` as an absolute URI (scheme, authority, normalised path), or None if it is relative or
   * still climbs (`..`) after normalising.
   */
  private def qualified(path: String, defaultFs: URI): Option[URI] =
    try {
      val uri = new Path(path).toUri.normalize()
      val scheme = Option(uri.getScheme).getOrElse(defaultFs.getScheme)
      val authority = if (uri.getScheme == null) defaultFs.getAuthority else uri.getAuthority
      val file = uri.getPath
      if (file == null || !file.startsWith("/") || file.split("/").contains("..")) None
      else Some(new URI(scheme.toLowerCase, authority, file, null, null))
    } catch {
      case NonFatal(_) => None
    }

  private def contains(root: URI, target: URI): Boolean =
    root.getScheme == target.getScheme &&
      Option(root.getAuthority).map(_.toLowerCase) ==
      Option(target.getAuthority).map(_.toLowerCase) && {
        val folder = root.getPath.stripSuffix("/") + "/"
        target.getPath.startsWith(folder)
      }

  /**
   * On the local file system the file must stay under the root after symlinks are resolved. A file
   * that does not exist yet passes: the loader reports it missing, which the allowed root may tell.
   */
  private def realUnder(root: URI, target: URI): Boolean =
    try {
      val file = Paths.get(target.getPath)
      if (!Files.exists(file)) true
      else file.toRealPath().startsWith(Paths.get(root.getPath).toRealPath())
    } catch {
      case NonFatal(_) => false
    }
}
