package sparkonnx.model

import scala.collection.mutable

/**
 * Reads a model's signature from ONNX protobuf bytes (field numbers from onnx/onnx.proto).
 * Graph inputs that are also initializers are weights, not inputs, as ONNX Runtime treats them.
 */
private[model] object SignatureReader {

  def read(bytes: Array[Byte]): ModelSignature = {
    val model = new ProtoReader(bytes)
    var irVersion = 0L
    var producer = ""
    val opsets = mutable.LinkedHashMap.empty[String, Long]
    val metadata = mutable.LinkedHashMap.empty[String, String]
    var graph: Option[GraphParts] = None
    while (model.hasMore) {
      model.readKey() match {
        case (1, 0) => irVersion = model.readVarint()
        case (2, 2) => producer = model.readString()
        case (7, 2) => graph = Some(readGraph(model.readMessage()))
        case (8, 2) =>
          val (domain, version) = readOpset(model.readMessage())
          opsets(domain) = version
        case (14, 2) =>
          val (key, value) = readEntry(model.readMessage())
          metadata(key) = value
        case (_, wire) => model.skip(wire)
      }
    }
    val parts = graph.getOrElse(throw new IllegalArgumentException("the model has no graph"))
    if (irVersion <= 0) throw new IllegalArgumentException("the model has no IR version")
    val inputs = parts.inputs.filterNot(spec => parts.initializers.contains(spec.name))
    if (parts.outputs.isEmpty) throw new IllegalArgumentException("the graph has no outputs")
    ModelSignature(inputs.toSeq, parts.outputs.toSeq, opsets.toMap, producer, irVersion,
      metadata.toMap, parts.externalData.distinct.toSeq)
  }

  private final class GraphParts {
    val inputs = mutable.ArrayBuffer.empty[TensorSpec]
    val outputs = mutable.ArrayBuffer.empty[TensorSpec]
    val initializers = mutable.HashSet.empty[String]
    /** Files holding initializer data outside the model (TensorProto.external_data). */
    val externalData = mutable.ArrayBuffer.empty[String]
  }

  private def readGraph(graph: ProtoReader): GraphParts = {
    val parts = new GraphParts
    while (graph.hasMore) {
      graph.readKey() match {
        case (5, 2) => parts.initializers += readTensorName(graph.readMessage(), parts)
        case (11, 2) => parts.inputs += readValueInfo(graph.readMessage())
        case (12, 2) => parts.outputs += readValueInfo(graph.readMessage())
        case (15, 2) => parts.initializers += readSparseTensorName(graph.readMessage(), parts)
        case (_, wire) => graph.skip(wire)
      }
    }
    parts
  }

  /** StringStringEntryProto: key = 1, value = 2 (the model's metadata_props). */
  private def readEntry(entry: ProtoReader): (String, String) = {
    var key = ""
    var value = ""
    while (entry.hasMore) {
      entry.readKey() match {
        case (1, 2) => key = entry.readString()
        case (2, 2) => value = entry.readString()
        case (_, wire) => entry.skip(wire)
      }
    }
    (key, value)
  }

  private def readOpset(opset: ProtoReader): (String, Long) = {
    var domain = ""
    var version = 0L
    while (opset.hasMore) {
      opset.readKey() match {
        case (1, 2) => domain = opset.readString()
        case (2, 0) => version = opset.readVarint()
        case (_, wire) => opset.skip(wire)
      }
    }
    (domain, version)
  }

  /** TensorProto: name = 8, external_data = 13 (entries, "location" names the file). */
  private def readTensorName(tensor: ProtoReader, parts: GraphParts): String = {
    var name = ""
    while (tensor.hasMore) {
      tensor.readKey() match {
        case (8, 2) => name = tensor.readString()
        case (13, 2) =>
          val (key, value) = readEntry(tensor.readMessage())
          if (key == "location") parts.externalData += value
        case (_, wire) => tensor.skip(wire)
      }
    }
    name
  }

  private def readSparseTensorName(sparse: ProtoReader, parts: GraphParts): String = {
    var name = ""
    while (sparse.hasMore) {
      sparse.readKey() match {
        case (1, 2) => name = readTensorName(sparse.readMessage(), parts)
        case (_, wire) => sparse.skip(wire)
      }
    }
    name
  }

  /** ValueInfoProto: name = 1, type = 2. */
  private def readValueInfo(info: ProtoReader): TensorSpec = {
    var name = ""
    var spec = TensorSpec("", ElementType.Other(0, "undefined"), Seq.empty)
    while (info.hasMore) {
      info.readKey() match {
        case (1, 2) => name = info.readString()
        case (2, 2) => spec = readType(info.readMessage())
        case (_, wire) => info.skip(wire)
      }
    }
    spec.copy(name = name)
  }

  /**
   * TypeProto: tensor_type = 1, sequence_type = 4, map_type = 5, sparse_tensor_type = 8,
   * optional_type = 9. Sparse tensors and optionals are reported with an `Other` element type.
   */
  private def readType(typeProto: ProtoReader): TensorSpec = {
    var spec = TensorSpec("", ElementType.Other(0, "undefined"), Seq.empty)
    while (typeProto.hasMore) {
      typeProto.readKey() match {
        case (1, 2) => spec = readTensorType(typeProto.readMessage())
        case (4, 2) =>
          val element = readSequenceElement(typeProto.readMessage())
          spec = element.copy(kind = ValueKind.SequenceOf(element.kind))
        case (5, 2) => spec = readMapType(typeProto.readMessage())
        case (8, 2) => typeProto.skip(2); spec = spec.copy(elementType = nonTensor("sparse"))
        case (9, 2) => typeProto.skip(2); spec = spec.copy(elementType = nonTensor("optional"))
        case (_, wire) => typeProto.skip(wire)
      }
    }
    spec
  }

  /** TypeProto.Sequence: elem_type = 1. */
  private def readSequenceElement(sequence: ProtoReader): TensorSpec = {
    var element = TensorSpec("", ElementType.Other(0, "undefined"), Seq.empty)
    while (sequence.hasMore) {
      sequence.readKey() match {
        case (1, 2) => element = readType(sequence.readMessage())
        case (_, wire) => sequence.skip(wire)
      }
    }
    element
  }

  /** TypeProto.Map: key_type = 1 (an element type code), value_type = 2. */
  private def readMapType(map: ProtoReader): TensorSpec = {
    var key: ElementType = ElementType.Other(0, "undefined")
    var value = TensorSpec("", ElementType.Other(0, "undefined"), Seq.empty)
    while (map.hasMore) {
      map.readKey() match {
        case (1, 0) => key = ElementType.fromCode(map.readVarint().toInt)
        case (2, 2) => value = readType(map.readMessage())
        case (_, wire) => map.skip(wire)
      }
    }
    // Only maps to tensor values are described; a map of maps keeps an Other element type.
    val element = if (value.isTensor) value.elementType else nonTensor("map")
    TensorSpec("", element, Seq.empty, ValueKind.MapOf(key))
  }

  private def nonTensor(kind: String) = ElementType.Other(0, kind)

  /** TypeProto.Tensor: elem_type = 1, shape = 2 (absent: the rank is unknown). */
  private def readTensorType(tensor: ProtoReader): TensorSpec = {
    var elementType: ElementType = ElementType.Other(0, "undefined")
    var dims = Seq.empty[(Long, String)]
    var shapeKnown = false
    while (tensor.hasMore) {
      tensor.readKey() match {
        case (1, 0) => elementType = ElementType.fromCode(tensor.readVarint().toInt)
        case (2, 2) =>
          dims = readShape(tensor.readMessage())
          shapeKnown = true
        case (_, wire) => tensor.skip(wire)
      }
    }
    TensorSpec("", elementType, dims.map(_._1), dimNames = dims.map(_._2), shapeKnown = shapeKnown)
  }

  /**
   * TensorShapeProto: dim = 1, each with dim_value = 1 or dim_param = 2 (symbolic). A dim is
   * (its size, or -1 when dynamic; its symbolic name, or "" when it has none).
   */
  private def readShape(shape: ProtoReader): Seq[(Long, String)] = {
    val dims = mutable.ArrayBuffer.empty[(Long, String)]
    while (shape.hasMore) {
      shape.readKey() match {
        case (1, 2) =>
          val dim = shape.readMessage()
          var value = -1L
          var name = ""
          while (dim.hasMore) {
            dim.readKey() match {
              case (1, 0) => value = dim.readVarint()
              case (2, 2) => name = dim.readString()
              case (_, wire) => dim.skip(wire)
            }
          }
          // A negative dim_value is not a size: treat it as unknown, as ONNX Runtime does.
          dims += ((if (value < 0) -1L else value, if (value >= 0) "" else name))
        case (_, wire) => shape.skip(wire)
      }
    }
    dims.toSeq
  }
}
