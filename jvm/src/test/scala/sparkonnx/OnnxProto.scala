package sparkonnx

import java.io.ByteArrayOutputStream
import java.nio.charset.StandardCharsets

/**
 * Hand-written ONNX protobuf for tests of the model reader: crafted models (nested thousands deep,
 * external data in odd places) that no ONNX tooling would write. Field numbers are
 * onnx/onnx.proto's.
 */
object OnnxProto {

  def varint(value: Long): Array[Byte] = {
    val out = new ByteArrayOutputStream()
    var v = value
    while ((v & ~0x7fL) != 0) {
      out.write(((v & 0x7f) | 0x80).toInt)
      v >>>= 7
    }
    out.write(v.toInt)
    out.toByteArray
  }

  private def key(field: Int, wire: Int): Array[Byte] = varint((field.toLong << 3) | wire)

  /** A length-delimited field: a message, string or bytes. */
  def field(number: Int, body: Array[Byte]): Array[Byte] =
    key(number, 2) ++ varint(body.length.toLong) ++ body

  def string(number: Int, text: String): Array[Byte] =
    field(number, text.getBytes(StandardCharsets.UTF_8))

  def int(number: Int, value: Long): Array[Byte] = key(number, 0) ++ varint(value)

  def concat(parts: Array[Byte]*): Array[Byte] = parts.foldLeft(Array.emptyByteArray)(_ ++ _)

  /**
   * `payload` wrapped in `levels` repetitions of the nested fields `path` (outermost first),
   * written in one pass (wrapping one level at a time would copy quadratically).
   */
  def nested(path: Seq[Int], levels: Int, payload: Array[Byte]): Array[Byte] = {
    val fields = Array.fill(levels)(path).flatten
    val sizes = new Array[Long](fields.length + 1) // sizes(i): the body of the i-th field
    sizes(fields.length) = payload.length.toLong
    for (i <- fields.length - 1 to 0 by -1) {
      sizes(i) = key(fields(i), 2).length + varint(sizes(i + 1)).length + sizes(i + 1)
    }
    val out = new ByteArrayOutputStream(sizes(0).toInt)
    fields.indices.foreach { i =>
      out.write(key(fields(i), 2))
      out.write(varint(sizes(i + 1)))
    }
    out.write(payload)
    out.toByteArray
  }

  // --- ONNX messages -------------------------------------------------------------------------

  /** TypeProto.Tensor of float with one dynamic dim. */
  val floatTensorType: Array[Byte] =
    field(1, concat(int(1, 1), field(2, field(1, string(2, "n")))))

  def valueInfo(name: String, typeProto: Array[Byte] = floatTensorType): Array[Byte] =
    concat(string(1, name), field(2, typeProto))

  /** A float TensorProto whose data is in the external file `location`. */
  def externalTensor(name: String, location: String, dataLocation: Boolean = true): Array[Byte] =
    concat(
      int(1, 4),
      int(2, 1),
      string(8, name),
      field(13, concat(string(1, "location"), string(2, location))),
      field(13, concat(string(1, "length"), string(2, "16"))),
      if (dataLocation) int(14, 1) else Array.emptyByteArray
    )

  /** A float TensorProto stored externally that names no file. */
  def externalTensorWithoutLocation(name: String): Array[Byte] =
    concat(int(1, 4), int(2, 1), string(8, name), int(14, 1))

  def node(
      opType: String,
      inputs: Seq[String],
      outputs: Seq[String],
      attributes: Array[Byte]*
  ): Array[Byte] =
    concat(
      inputs.map(string(1, _)) ++ outputs.map(string(2, _)) ++ Seq(string(4, opType)) ++
        attributes.map(field(5, _)): _*
    )

  /** AttributeProto `name` holding a tensor (t = 5, type TENSOR = 4). */
  def tensorAttribute(name: String, tensor: Array[Byte]): Array[Byte] =
    concat(string(1, name), field(5, tensor), int(20, 4))

  /** AttributeProto `name` holding a graph (g = 6, type GRAPH = 5). */
  def graphAttribute(name: String, graph: Array[Byte]): Array[Byte] =
    concat(string(1, name), field(6, graph), int(20, 5))

  def graph(
      nodes: Seq[Array[Byte]],
      inputs: Seq[Array[Byte]],
      outputs: Seq[Array[Byte]],
      initializers: Seq[Array[Byte]] = Nil,
      sparseInitializers: Seq[Array[Byte]] = Nil
  ): Array[Byte] =
    concat(
      nodes.map(field(1, _)) ++ Seq(string(2, "g")) ++ initializers.map(field(5, _)) ++
        inputs.map(field(11, _)) ++ outputs.map(field(12, _)) ++
        sparseInitializers.map(field(15, _)): _*
    )

  /** A ModelProto (IR 8, opset 17) around `graph`, with optional extra model fields. */
  def model(graph: Array[Byte], extra: Array[Byte]*): Array[Byte] =
    concat(
      Seq(
        int(1, 8),
        string(2, "test"),
        field(7, graph),
        field(8, concat(string(1, ""), int(2, 17)))
      ) ++ extra: _*
    )

  /** `y = x` through Identity: the smallest valid model, to wrap other parts around. */
  def identityGraph(
      extraNodes: Seq[Array[Byte]] = Nil,
      initializers: Seq[Array[Byte]] = Nil,
      sparseInitializers: Seq[Array[Byte]] = Nil
  ): Array[Byte] =
    graph(
      node("Identity", Seq("x"), Seq("y")) +: extraNodes,
      Seq(valueInfo("x")),
      Seq(valueInfo("y")),
      initializers,
      sparseInitializers
    )
}
