package sparkonnx

import java.nio.file.Files

import scala.jdk.CollectionConverters._

import ai.onnxruntime.{OrtEnvironment, OrtSession, TensorInfo}
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.model.{ElementType, OnnxModel, TensorSpec, ValueKind}

class SignatureReaderSuite extends AnyFunSuite {

  private val digitsBytes = Files.readAllBytes(java.nio.file.Paths.get("models", "digits.onnx"))

  test("digits: names, element types and shapes with the dynamic batch dim as -1") {
    val model = OnnxModel.fromBytes(digitsBytes, "digits.onnx")
    assert(
      model.signature.inputs === Seq(
        TensorSpec("pixels", ElementType.Float, Seq(-1L, 64L), dimNames = Seq("batch", ""))
      )
    )
    assert(
      model.signature.outputs ===
        Seq(
          TensorSpec("probabilities", ElementType.Float, Seq(-1L, 10L), dimNames = Seq("batch", ""))
        )
    )
    assert(model.signature.opsets === Map("" -> 17L))
    assert(model.sha256 === OnnxModel.sha256Hex(digitsBytes))
    assert(model.sha256.length === 64)
  }

  test("agrees with ONNX Runtime's own reading of the model") {
    val env = OrtEnvironment.getEnvironment()
    val session = env.createSession(digitsBytes, new OrtSession.SessionOptions)
    try {
      val model = OnnxModel.fromBytes(digitsBytes, "digits.onnx")
      def fromOrt(infos: java.util.Map[String, ai.onnxruntime.NodeInfo]) =
        infos.asScala.toSeq.map { case (name, info) =>
          val tensor = info.getInfo.asInstanceOf[TensorInfo]
          (name, tensor.getShape.toSeq)
        }
      assert(model.signature.inputs.map(s => (s.name, s.shape)) === fromOrt(session.getInputInfo))
      assert(
        model.signature.outputs.map(s => (s.name, s.shape)) ===
          fromOrt(session.getOutputInfo)
      )
    } finally session.close()
  }

  test("maps and sequences: a ZipMap output, a map input, a sequence of tensors") {
    def read(name: String) = OnnxModel
      .fromBytes(
        Files.readAllBytes(java.nio.file.Paths.get("models", "testing", s"$name.onnx")),
        name
      )
      .signature
    assert(
      read("zipmap_string").outputs.map(_.copy(dimNames = Nil)) === Seq(
        TensorSpec("label", ElementType.Int64, Seq(-1L)),
        TensorSpec(
          "probabilities",
          ElementType.Float,
          Seq.empty,
          ValueKind.SequenceOf(ValueKind.MapOf(ElementType.StringType))
        )
      )
    )
    assert(read("zipmap_int64").outputs(1).typeString === "seq(map(int64,float))")
    assert(read("map_input").inputs.map(_.typeString) === Seq("map(string,float)"))
    assert(
      read("sequence_output").outputs.map(_.kind) ===
        Seq(ValueKind.SequenceOf(ValueKind.Tensor))
    )
  }

  test("bytes that are not a model are rejected with a reason") {
    val cases = Seq(
      Array.emptyByteArray -> "empty",
      "hello, not a model".getBytes("UTF-8") -> "",
      digitsBytes.take(1000) -> "overruns"
    )
    cases.foreach { case (bytes, reason) =>
      val error = intercept[IllegalArgumentException](OnnxModel.fromBytes(bytes, "bad"))
      assert(error.getMessage.contains(reason), error.getMessage)
    }
  }
}
