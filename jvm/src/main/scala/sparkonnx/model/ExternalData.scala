package sparkonnx.model

import java.io.IOException
import java.nio.file.{Files, InvalidPathException, LinkOption, NoSuchFileException, Path, Paths}

import sparkonnx.errors.OnnxErrors

/**
 * Models whose weights live in external data files: ONNX Runtime opens those files by the paths
 * written in the model, so a crafted model could make it read anything the Spark process can, and
 * return the bytes as a prediction. Every location the model names — in any initializer, `Constant`
 * or subgraph ([[SignatureReader]] lists them all) — must be relative and name a regular file
 * inside the model's own folder once symbolic links are resolved (real paths on both sides), and
 * the session is opened from the model's checked real path, never from bytes (where ONNX Runtime
 * would resolve the locations against the working directory).
 */
private[model] object ExternalData {

  /** ONNX Runtime's marker for "the offset is a memory address": never valid in a file. */
  private val MemoryAddressTag = "*/_ORT_MEM_ADDR_/*"

  /** The model's real local file, and the bytes of it and its data files. */
  final case class Checked(file: String, sizeBytes: Long)

  /**
   * Checks every external data location of `model`, read from the local file `localFile` (None when
   * it came as bytes or from a non-local file system: refused, its data files could not be found
   * beside it). Errors name the location and folder, never a file's contents.
   */
  def check(name: String, source: String, localFile: Option[String], model: OnnxModel): Checked = {
    val named = localFile.getOrElse(
      throw OnnxErrors.invalidModel(
        name,
        source,
        "a model with external data must be registered from a file path on the local file " +
          "system, so its data files can be checked and found beside it",
        null
      )
    )
    val file =
      try Paths.get(named).toRealPath()
      catch {
        case e @ (_: IOException | _: InvalidPathException) =>
          throw OnnxErrors.modelFileNotFound(name, named, e.getClass.getSimpleName)
      }
    val folder = file.getParent
    val dataBytes = model.signature.externalData.distinct.map { location =>
      Files.size(checkLocation(name, folder, location))
    }.sum
    Checked(file.toString, Files.size(file) + dataBytes)
  }

  /** The real path of the data file `location` names, if it is a regular file in `folder`. */
  private def checkLocation(name: String, folder: Path, location: String): Path = {
    def refuse(reason: String) =
      OnnxErrors.unsafeExternalData(name, location, folder.toString, reason)
    if (location.isEmpty) throw refuse("an empty path")
    if (location == MemoryAddressTag) throw refuse("ONNX Runtime's in-memory address marker")
    val relative =
      try Paths.get(location)
      catch {
        case _: InvalidPathException => throw refuse("not a valid path")
      }
    if (relative.isAbsolute || location.startsWith("/") || location.startsWith("\\")) {
      throw refuse("an absolute path")
    }
    // As written (".." steps taken lexically) and as the OS resolves it (symbolic links
    // followed, and ".." after a link leaves from the link's target): both must stay inside.
    val target = folder.resolve(relative)
    if (!target.normalize.startsWith(folder)) throw refuse("it leaves the folder")
    val real =
      try target.toRealPath()
      catch {
        case _: NoSuchFileException => throw missingOrOutside(name, folder, location, target)
        case _: IOException => throw refuse("it cannot be resolved to a file in the folder")
      }
    if (!real.startsWith(folder)) {
      throw refuse("a symbolic link resolves it to a file outside the folder")
    }
    if (!Files.isRegularFile(real)) {
      throw OnnxErrors.modelFileNotFound(name, target.toString, "external data is not a file")
    }
    real
  }

  /**
   * A location that names nothing: missing only if what exists of its path is inside the folder and
   * is not a dangling symbolic link. Anything else is refused the same way as a file outside the
   * folder, so a crafted link cannot tell whether some outside path exists.
   */
  private def missingOrOutside(
      name: String,
      folder: Path,
      location: String,
      target: Path
  ): Exception = {
    var existing = target
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent
    }
    val inside = existing != null && (try existing.toRealPath().startsWith(folder)
    catch {
      case _: IOException => false
    })
    if (inside) OnnxErrors.modelFileNotFound(name, target.toString, "external data file missing")
    else {
      OnnxErrors.unsafeExternalData(
        name,
        location,
        folder.toString,
        "a symbolic link resolves it to a path outside the folder"
      )
    }
  }
}
