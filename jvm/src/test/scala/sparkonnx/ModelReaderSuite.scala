package sparkonnx

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path, Paths}

import org.apache.hadoop.conf.Configuration
import org.apache.spark.SparkThrowable
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.OnnxProto._
import sparkonnx.model.{ModelLoader, OnnxModel}

/**
 * The model reader on crafted files: nesting thousands deep is a condition, not a
 * `StackOverflowError`; every external data location, wherever its tensor sits, is listed and must
 * name a regular file inside the model's folder after symbolic links are resolved.
 */
class ModelReaderSuite extends AnyFunSuite {

  private val secret = "SECRET-BYTES-3f9c1e"

  /** Runs `body` on a thread with a small stack, as a crafted model would find it. */
  private def onSmallStack[T](body: => T): T = {
    var result: Either[Throwable, T] = null
    val thread = new Thread(
      null,
      () => {
        result =
          try Right(body)
          catch { case t: Throwable => Left(t) }
      },
      "small-stack",
      256L * 1024
    )
    thread.start()
    thread.join()
    result.fold(throw _, identity)
  }

  private def condition(error: Throwable): String = error match {
    case e: SparkThrowable => e.getCondition
    case other => fail(s"not a condition: $other", other)
  }

  private def loadError(bytes: Array[Byte], localFile: Option[String] = None): Throwable = {
    val error = intercept[Throwable](
      onSmallStack(ModelLoader.fromBytes("crafted", "crafted.onnx", bytes, localFile))
    )
    assert(error.isInstanceOf[SparkThrowable], error)
    assert(!error.getMessage.contains(secret), error.getMessage)
    error
  }

  private def parameters(error: Throwable): Map[String, String] = {
    import scala.jdk.CollectionConverters._
    error.asInstanceOf[SparkThrowable].getMessageParameters.asScala.toMap
  }

  // --- depth --------------------------------------------------------------------------------

  private def nestedSequenceModel(levels: Int): Array[Byte] = {
    val typeProto = nested(Seq(4, 1), levels, floatTensorType) // seq(seq(...(tensor)))
    model(
      graph(
        Seq(node("Identity", Seq("x"), Seq("y"))),
        Seq(valueInfo("x", typeProto)),
        Seq(valueInfo("y", typeProto))
      )
    )
  }

  test("types nested thousands deep are ONNX_INVALID_MODEL, never a StackOverflowError") {
    for (levels <- Seq(48, 5000, 200000)) {
      val error = loadError(nestedSequenceModel(levels))
      assert(condition(error) === "ONNX_INVALID_MODEL")
      assert(parameters(error)("reason").contains("nested more than 100"), error.getMessage)
    }
  }

  test("types nested as deep as ONNX Runtime parses are still read") {
    val model = onSmallStack(ModelLoader.fromBytes("deep", "deep", nestedSequenceModel(47)))
    assert(model.signature.inputs.head.typeString.startsWith("seq(" * 47))
  }

  test("subgraphs nested thousands deep are ONNX_INVALID_MODEL, never a StackOverflowError") {
    for (levels <- Seq(40, 30000)) {
      // graph -> node -> attribute -> graph -> ... (If inside If inside If)
      val deep = nested(Seq(1, 5, 6), levels, identityGraph())
      val error = loadError(model(concat(identityGraph(), deep)))
      assert(condition(error) === "ONNX_INVALID_MODEL")
      assert(parameters(error)("reason").contains("nested more than 100"), error.getMessage)
    }
  }

  test("no exception but a condition escapes the reader, whatever the bytes") {
    val digits = Files.readAllBytes(Paths.get("models", "digits.onnx"))
    val random = new scala.util.Random(14)
    val samples = Seq(digits, nestedSequenceModel(30), externalEverywhere._1)
    for (i <- 0 until 3000) {
      val bytes = samples(i % samples.size).clone()
      random.nextInt(4) match {
        case 0 =>
          (0 until 1 + random.nextInt(8)).foreach { _ =>
            bytes(random.nextInt(bytes.length)) = random.nextInt(256).toByte
          }
        case 1 => bytes(random.nextInt(bytes.length)) = 0xff.toByte
        case 2 => ()
        case _ => ()
      }
      val cut = if (i % 3 == 0) bytes.take(random.nextInt(bytes.length + 1)) else bytes
      try ModelLoader.fromBytes("fuzz", "fuzz", cut, None)
      catch {
        case e: SparkThrowable =>
          assert(
            Set("ONNX_INVALID_MODEL", "ONNX_UNSAFE_EXTERNAL_DATA", "ONNX_MODEL_FILE_NOT_FOUND")
              .contains(e.getCondition),
            e
          )
      }
    }
  }

  // --- external data, everywhere ------------------------------------------------------------

  /** A model naming external data in every place a tensor can sit; its locations. */
  private lazy val externalEverywhere: (Array[Byte], Set[String]) = {
    val loopBody = graph(
      Seq(
        node(
          "Constant",
          Nil,
          Seq("k"),
          tensorAttribute("value", externalTensor("k", "loop_constant.bin"))
        )
      ),
      Nil,
      Seq(valueInfo("k"))
    )
    val thenBranch = graph(
      Seq(node("Loop", Seq("", ""), Seq("l"), graphAttribute("body", loopBody))),
      Nil,
      Seq(valueInfo("l")),
      initializers = Seq(externalTensor("t", "then_init.bin"))
    )
    val ifNode = node(
      "If",
      Seq("c"),
      Seq("z"),
      graphAttribute("then_branch", thenBranch),
      graphAttribute("else_branch", identityGraph())
    )
    val constant = node(
      "Constant",
      Nil,
      Seq("c0"),
      tensorAttribute("value", externalTensor("c0", "constant.bin"))
    )
    val attributes = node(
      "Custom",
      Nil,
      Seq("c1"),
      concat(string(1, "many"), field(10, externalTensor("a", "tensors.bin")), int(20, 9)),
      concat(
        string(1, "sparse"),
        field(22, concat(field(1, externalTensor("s", "sparse_attr.bin")), int(3, 4))),
        int(20, 11)
      ),
      concat(
        string(1, "graphs"),
        field(
          11,
          graph(
            Seq(
              node(
                "Constant",
                Nil,
                Seq("c2"),
                tensorAttribute("value", externalTensor("c2", "graphs_constant.bin"))
              )
            ),
            Nil,
            Seq(valueInfo("c2"))
          )
        ),
        int(20, 10)
      )
    )
    val sparse = concat(
      field(1, externalTensor("sv", "sparse_values.bin")),
      field(2, externalTensor("si", "sparse_indices.bin")),
      int(3, 4)
    )
    val function = concat(
      string(1, "f"),
      string(10, "local"),
      field(
        7,
        node(
          "Constant",
          Nil,
          Seq("fc"),
          tensorAttribute("value", externalTensor("fc", "function_constant.bin"))
        )
      )
    )
    val training =
      field(1, graph(Nil, Nil, Nil, initializers = Seq(externalTensor("tr", "training_init.bin"))))
    val bytes = model(
      identityGraph(
        Seq(constant, ifNode, attributes),
        initializers = Seq(
          externalTensor("w", "init.bin"),
          externalTensor("noflag", "no_data_location.bin", dataLocation = false)
        ),
        sparseInitializers = Seq(sparse)
      ),
      field(20, training),
      field(25, function)
    )
    (
      bytes,
      Set(
        "loop_constant.bin",
        "then_init.bin",
        "constant.bin",
        "tensors.bin",
        "sparse_attr.bin",
        "graphs_constant.bin",
        "sparse_values.bin",
        "sparse_indices.bin",
        "function_constant.bin",
        "training_init.bin",
        "init.bin",
        "no_data_location.bin"
      )
    )
  }

  private def folderWith(files: Iterable[String]): Path = {
    val folder = Files.createTempDirectory("model-files")
    files.foreach(f => Files.write(folder.resolve(f), Array.fill[Byte](16)(0)))
    folder
  }

  private def writeModel(folder: Path, bytes: Array[Byte]): Path =
    Files.write(folder.resolve("model.onnx"), bytes)

  test(
    "every external location is found: initializers, sparse, Constant, attributes, " +
      "subgraphs at every depth, functions, training graphs"
  ) {
    val (bytes, locations) = externalEverywhere
    val folder = folderWith(locations)
    val file = writeModel(folder, bytes)
    val model = ModelLoader.fromBytes("all", "all", bytes, Some(file.toString))
    assert(model.signature.externalData.toSet === locations)
    assert(model.localFile === Some(file.toRealPath().toString))
    assert(model.sizeBytes === bytes.length + 16L * locations.size)
    // Any one of them missing is noticed, wherever it sits.
    for (missing <- locations) {
      Files.delete(folder.resolve(missing))
      val error = loadError(bytes, Some(file.toString))
      assert(condition(error) === "ONNX_MODEL_FILE_NOT_FOUND", missing)
      assert(parameters(error)("path").endsWith(missing))
      Files.write(folder.resolve(missing), Array.fill[Byte](16)(0))
    }
  }

  test("a model with external data anywhere cannot be read from bytes alone") {
    val (bytes, _) = externalEverywhere
    val error = loadError(bytes)
    assert(condition(error) === "ONNX_INVALID_MODEL")
    assert(parameters(error)("reason").contains("registered from a file path"))
    val direct = intercept[IllegalArgumentException](OnnxModel.fromBytes(bytes, "bytes"))
    assert(direct.getMessage.contains("external data"))
  }

  test("a tensor stored externally that names no file is ONNX_INVALID_MODEL") {
    val bytes = model(identityGraph(initializers = Seq(externalTensorWithoutLocation("w"))))
    val error = loadError(bytes, Some("/nonexistent/model.onnx"))
    assert(condition(error) === "ONNX_INVALID_MODEL")
    assert(parameters(error)("reason").contains("names no location"))
  }

  /** A model whose only external tensor is a Constant inside a Loop inside an If. */
  private def deepConstant(location: String): Array[Byte] = {
    val body = graph(
      Seq(node("Constant", Nil, Seq("k"), tensorAttribute("value", externalTensor("k", location)))),
      Nil,
      Seq(valueInfo("k"))
    )
    val thenBranch = graph(
      Seq(node("Loop", Seq("", ""), Seq("l"), graphAttribute("body", body))),
      Nil,
      Seq(valueInfo("l"))
    )
    model(
      identityGraph(
        Seq(
          node(
            "If",
            Seq("c"),
            Seq("z"),
            graphAttribute("then_branch", thenBranch),
            graphAttribute("else_branch", identityGraph())
          )
        )
      )
    )
  }

  /** A folder "outside" holding the secret, and a model folder beside it. */
  private def layout(): (Path, Path) = {
    val root = Files.createTempDirectory("external-layout").toRealPath()
    val outside = Files.createDirectories(root.resolve("outside"))
    Files.write(outside.resolve("secret.bin"), secret.getBytes(StandardCharsets.UTF_8))
    Files.createDirectories(outside.resolve("inner"))
    (Files.createDirectories(root.resolve("model")), outside)
  }

  private def refused(folder: Path, location: String): Map[String, String] = {
    val file = writeModel(folder, deepConstant(location))
    val error = loadError(deepConstant(location), Some(file.toString))
    assert(condition(error) === "ONNX_UNSAFE_EXTERNAL_DATA", error.getMessage)
    val params = parameters(error)
    assert(params("location") === location)
    assert(params("folder") === folder.toRealPath().toString)
    params
  }

  test("locations leaving the folder are refused, in a subgraph as at the top") {
    val (folder, _) = layout()
    Seq(
      "../outside/secret.bin",
      "/etc/hostname",
      "sub/../../outside/secret.bin",
      "*/_ORT_MEM_ADDR_/*",
      ""
    ).foreach(location => refused(folder, location))
  }

  test("a symbolic link in the folder that leads outside is refused") {
    val (folder, outside) = layout()
    Files.createSymbolicLink(folder.resolve("link.bin"), outside.resolve("secret.bin"))
    Files.createSymbolicLink(folder.resolve("hostname"), Paths.get("/etc/hostname"))
    Files.createSymbolicLink(folder.resolve("dir"), outside)
    Files.createSymbolicLink(folder.resolve("innerdir"), outside.resolve("inner"))
    Files.createSymbolicLink(folder.resolve("dangling"), outside.resolve("no-such-file"))
    for (
      location <- Seq(
        "link.bin",
        "hostname",
        "dir/secret.bin",
        "innerdir/../secret.bin", // inside as written; outside as the OS resolves ".."
        "dangling",
        "dir/no-such-file"
      )
    ) {
      val params = refused(folder, location)
      assert(params("reason").contains("symbolic link"), location)
    }
  }

  test("a link that stays inside the folder, and a model file linked from elsewhere, load") {
    val (folder, outside) = layout()
    Files.write(folder.resolve("weights.bin"), Array.fill[Byte](16)(1))
    Files.createSymbolicLink(folder.resolve("alias.bin"), folder.resolve("weights.bin"))
    val file = writeModel(folder, deepConstant("alias.bin"))
    val model =
      ModelLoader.fromBytes("inside", "inside", deepConstant("alias.bin"), Some(file.toString))
    assert(model.localFile === Some(file.toRealPath().toString))
    // The model file is a link in another folder: its data is looked for beside the real
    // file, and the session opens the real path.
    val linked = Files.createSymbolicLink(outside.resolve("linked.onnx"), file)
    val viaLink = ModelLoader.load("linked", linked.toString, new Configuration())
    assert(viaLink.localFile === Some(file.toRealPath().toString))
    // A plain missing file inside the folder is just missing.
    val error = loadError(deepConstant("missing.bin"), Some(file.toString))
    assert(condition(error) === "ONNX_MODEL_FILE_NOT_FOUND")
  }

  test("models read through Hadoop's local file system keep their real local path") {
    val (folder, _) = layout()
    Files.write(folder.resolve("weights.bin"), Array.fill[Byte](16)(1))
    val file = writeModel(folder, deepConstant("weights.bin"))
    for (path <- Seq(file.toString, file.toUri.toString)) {
      val model = ModelLoader.load("hadoop", path, new Configuration())
      assert(model.localFile === Some(file.toRealPath().toString), path)
    }
  }

  // --- memory -------------------------------------------------------------------------------

  test("a model read several times keeps one array of bytes on the driver") {
    val path = Paths.get("models", "digits.onnx").toString
    val first = ModelLoader.load("a", path, new Configuration())
    val second = ModelLoader.load("b", path, new Configuration())
    val fromBytes = OnnxModel.fromBytes(Files.readAllBytes(Paths.get(path)), "bytes")
    assert(first.bytes eq second.bytes)
    assert(fromBytes.bytes eq first.bytes)
    val other = OnnxModel.fromBytes(
      Files.readAllBytes(Paths.get("models", "testing", "weighted_sum.onnx")),
      "w"
    )
    assert(!(other.bytes eq first.bytes))
  }
}
