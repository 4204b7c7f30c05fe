package sparkonnx.model

import scala.collection.mutable

/**
 * Reads a model's signature from ONNX protobuf bytes (field numbers from onnx/onnx.proto). Graph
 * inputs that are also initializers are weights, not inputs, as ONNX Runtime treats them.
 *
 * It also lists every external data file the model names, wherever the tensor sits: graph
 * initializers and sparse initializers, tensors in node attributes (`Constant` values, and any
 * other tensor-valued attribute), the subgraphs of `If` / `Loop` / `Scan` (and any other
 * graph-valued attribute) at every depth, model-local functions and training graphs. ONNX Runtime
 * opens each of those files by the path written in the model, so every one of them must be checked
 * ([[ExternalData]]). Nesting is bounded by [[ProtoReader.MaxDepth]], so the readers below may
 * recurse.
 */
private[model] object SignatureReader {

  def read(bytes: Array[Byte]): ModelSignature = {
    val model = new ProtoReader(bytes)
    var irVersion = 0L
    var producer = ""
    val opsets = mutable.LinkedHashMap.empty[String, Long]
    val metadata = mutable.LinkedHashMap.empty[String, String]
    val external = new ExternalRefs
    var graph: Option[GraphParts] = None
    while (model.hasMore) {
      model.readKey() match {
        case (1, 0) => irVersion = model.readVarint()
        case (2, 2) => producer = model.readString()
        case (7, 2) => graph = Some(readGraph(model.readMessage(), external))
        case (8, 2) =>
          val (domain, version) = readOpset(model.readMessage())
          opsets(domain) = version
        case (14, 2) =>
          val (key, value) = readEntry(model.readMessage())
          metadata(key) = value
        case (20, 2) => scanTrainingInfo(model.readMessage(), external)
        case (25, 2) => scanFunction(model.readMessage(), external)
        case (_, wire) => model.skip(wire)
      }
    }
    val parts = graph.getOrElse(throw new IllegalArgumentException("the model has no graph"))
    if (irVersion <= 0) throw new IllegalArgumentException("the model has no IR version")
    val inputs = parts.inputs.filterNot(spec => parts.initializers.contains(spec.name))
    if (parts.outputs.isEmpty) throw new IllegalArgumentException("the graph has no outputs")
    ModelSignature(
      inputs.toSeq,
      parts.outputs.toSeq,
      opsets.toMap,
      producer,
      irVersion,
      metadata.toMap,
      external.locations.distinct.toSeq
    )
  }

  private final class GraphParts {
    val inputs = mutable.ArrayBuffer.empty[TensorSpec]
    val outputs = mutable.ArrayBuffer.empty[TensorSpec]
    val initializers = mutable.HashSet.empty[String]
  }

  /** Files holding tensor data outside the model (TensorProto.external_data), anywhere in it. */
  private final class ExternalRefs {
    val locations = mutable.ArrayBuffer.empty[String]
  }

  /**
   * GraphProto of the main graph: node = 1, initializer = 5, input = 11, output = 12,
   * sparse_initializer = 15.
   */
  private def readGraph(graph: ProtoReader, external: ExternalRefs): GraphParts = {
    val parts = new GraphParts
    while (graph.hasMore) {
      graph.readKey() match {
        case (1, 2) => scanNode(graph.readMessage(), external)
        case (5, 2) => parts.initializers += readTensor(graph.readMessage(), external)
        case (11, 2) => parts.inputs += readValueInfo(graph.readMessage())
        case (12, 2) => parts.outputs += readValueInfo(graph.readMessage())
        case (15, 2) => parts.initializers += readSparseTensor(graph.readMessage(), external)
        case (_, wire) => graph.skip(wire)
      }
    }
    parts
  }

  /** A subgraph (or a training graph): only its tensors matter, for their external data. */
  private def scanGraph(graph: ProtoReader, external: ExternalRefs): Unit = {
    while (graph.hasMore) {
      graph.readKey() match {
        case (1, 2) => scanNode(graph.readMessage(), external)
        case (5, 2) => readTensor(graph.readMessage(), external)
        case (15, 2) => readSparseTensor(graph.readMessage(), external)
        case (_, wire) => graph.skip(wire)
      }
    }
  }

  /** NodeProto: attribute = 5. */
  private def scanNode(node: ProtoReader, external: ExternalRefs): Unit = {
    while (node.hasMore) {
      node.readKey() match {
        case (5, 2) => scanAttribute(node.readMessage(), external)
        case (_, wire) => node.skip(wire)
      }
    }
  }

  /**
   * AttributeProto: t = 5, g = 6, tensors = 10, graphs = 11, sparse_tensor = 22, sparse_tensors =
   * 23 (a `Constant`'s value is `t` or `sparse_tensor`; `If`, `Loop` and `Scan` hold their bodies
   * in `g`).
   */
  private def scanAttribute(attribute: ProtoReader, external: ExternalRefs): Unit = {
    while (attribute.hasMore) {
      attribute.readKey() match {
        case (5, 2) | (10, 2) => readTensor(attribute.readMessage(), external)
        case (6, 2) | (11, 2) => scanGraph(attribute.readMessage(), external)
        case (22, 2) | (23, 2) => readSparseTensor(attribute.readMessage(), external)
        case (_, wire) => attribute.skip(wire)
      }
    }
  }

  /** FunctionProto (a model-local function): node = 7, attribute_proto = 11 (defaults). */
  private def scanFunction(function: ProtoReader, external: ExternalRefs): Unit = {
    while (function.hasMore) {
      function.readKey() match {
        case (7, 2) => scanNode(function.readMessage(), external)
        case (11, 2) => scanAttribute(function.readMessage(), external)
        case (_, wire) => function.skip(wire)
      }
    }
  }

  /** TrainingInfoProto: initialization = 1, algorithm = 2 (graphs). */
  private def scanTrainingInfo(info: ProtoReader, external: ExternalRefs): Unit = {
    while (info.hasMore) {
      info.readKey() match {
        case (1, 2) | (2, 2) => scanGraph(info.readMessage(), external)
        case (_, wire) => info.skip(wire)
      }
    }
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

  /**
   * TensorProto: name = 8, external_data = 13 (entries; "location" names the file), data_location =
   * 14 (1 = EXTERNAL). Every location is recorded, whatever data_location says; a tensor stored
   * externally that names no file is not a valid model.
   */
  private def readTensor(tensor: ProtoReader, external: ExternalRefs): String = {
    var name = ""
    var stored = 0L
    var located = false
    while (tensor.hasMore) {
      tensor.readKey() match {
        case (8, 2) => name = tensor.readString()
        case (13, 2) =>
          val (key, value) = readEntry(tensor.readMessage())
          if (key == "location") {
            external.locations += value
            located = true
          }
        case (14, 0) => stored = tensor.readVarint()
        case (_, wire) => tensor.skip(wire)
      }
    }
    if (stored == 1L && !located) {
      throw new ModelLimitExceeded(
        s"tensor '$name' is stored in external data but names no location"
      )
    }
    name
  }

  /** SparseTensorProto: values = 1, indices = 2 (tensors, either may be external). */
  private def readSparseTensor(sparse: ProtoReader, external: ExternalRefs): String = {
    var name = ""
    while (sparse.hasMore) {
      sparse.readKey() match {
        case (1, 2) => name = readTensor(sparse.readMessage(), external)
        case (2, 2) => readTensor(sparse.readMessage(), external)
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
   * TensorShapeProto: dim = 1, each with dim_value = 1 or dim_param = 2 (symbolic). A dim is (its
   * size, or -1 when dynamic; its symbolic name, or "" when it has none).
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
