package sparkonnx.model

import org.json4s.JsonAST.{JArray, JInt, JObject, JString, JValue}
import org.json4s.jackson.JsonMethods.{compact, render}

/** A model's signature as JSON, for the Python side and tools: one format for both. */
object SignatureJson {

  def apply(model: OnnxModel): String = compact(
    render(
      JObject(
        "sha256" -> JString(model.sha256),
        "sizeBytes" -> JInt(model.fileBytes),
        "producer" -> JString(model.signature.producer),
        "irVersion" -> JInt(model.signature.irVersion),
        "opsets" -> JObject(model.signature.opsets.toList.sorted.map { case (domain, version) =>
          (if (domain.isEmpty) "ai.onnx" else domain) -> (JInt(version): JValue)
        }),
        "inputs" -> JArray(model.signature.inputs.map(tensor).toList),
        "outputs" -> JArray(model.signature.outputs.map(tensor).toList)
      )
    )
  )

  private def tensor(spec: TensorSpec): JValue = JObject(
    "name" -> JString(spec.name),
    // Maps and sequences carry their whole type, e.g. seq(map(int64,float)).
    "elementType" -> JString(
      if (spec.isTensor) spec.elementType.onnxName else spec.kind.describe(spec.elementType, "")
    ),
    "shape" -> JArray(spec.shape.map(d => JInt(d): JValue).toList)
  )
}
