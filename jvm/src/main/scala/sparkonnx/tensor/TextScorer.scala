package sparkonnx.tensor

import java.nio.{ByteBuffer, ByteOrder}

import ai.onnxruntime.{OnnxTensor, OrtException}
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{ElementType, ModelBytesSource}
import sparkonnx.runtime.{NativeCounters, SessionLease, SessionOptions, SessionPool}
import sparkonnx.text.{Encoded, Pooling, TokenPooling}

/**
 * Runs a [[TextBinding]] for one task. Each appended text is tokenized at once; a run takes the
 * texts appended since the last one (the window the caller bounds by rows and bytes), orders them
 * by token count when the binding sorts by length, and scores them in sub-runs of similar length,
 * each padded to its own longest text (never to the maximum), so little compute goes to padding.
 * Results come back in the order the texts were appended.
 */
final class TextScorer private (binding: TextBinding, lease: SessionLease) extends Scorer {

  private val text = binding.text
  private val padId = text.tokenizer.padId
  private val outputs: java.util.Set[String] = java.util.Collections.singleton(binding.output.name)
  private val dim =
    if (binding.perToken) binding.output.shape(2).toInt else binding.output.shape(1).toInt
  private val window = new java.util.ArrayList[Encoded]()
  private var windowTokens = 0L

  var convertNanos = 0L
  var runNanos = 0L

  override def pending: Int = window.size
  override def pendingBytes: Long = windowTokens * 8L * binding.feeds.size
  override def pendingRowBytes: Long = if (window.isEmpty) 0L else pendingBytes / window.size

  // Texts of any length join any run: each run is padded to its own longest.
  private val noShapes = Array.empty[Array[Long]]
  override def shapes(values: Array[Any]): Array[Array[Long]] = noShapes
  override def accepts(shapes: Array[Array[Long]]): Boolean = true

  override def append(values: Array[Any], shapes: Array[Array[Long]]): Unit = {
    val started = System.nanoTime()
    val encoded = text.encode(values(0).asInstanceOf[UTF8String].toString)
    window.add(encoded)
    windowTokens += encoded.length
    convertNanos += System.nanoTime() - started
  }

  override def discardAppended(): Unit = {
    window.clear()
    windowTokens = 0
  }

  override def runAppended(): Array[Any] = {
    val rows = window.size
    if (rows == 0) return Array.empty
    try {
      val order = (0 until rows).toArray
      val sorted =
        if (binding.sortByLength) order.sortBy(i => window.get(i).length) else order
      val results = new Array[Any](rows)
      var start = 0
      while (start < rows) {
        var end = start + 1
        var longest = math.max(window.get(sorted(start)).length, 1)
        // Grow the run while it stays within the row and token caps.
        while (
          end < rows && end - start < TextScorer.MaxRowsPerRun && {
            val next = math.max(longest, window.get(sorted(end)).length)
            next.toLong * (end - start + 1) <= TextScorer.MaxTokensPerRun
          }
        ) {
          longest = math.max(longest, window.get(sorted(end)).length)
          end += 1
        }
        score(sorted.slice(start, end), longest, results)
        start = end
      }
      results
    } finally discardAppended()
  }

  /** Scores the texts `rows` (window indices) padded to `tokens`, into `results`. */
  private def score(rows: Array[Int], tokens: Int, results: Array[Any]): Unit = {
    val started = System.nanoTime()
    val env = SessionPool.environment
    val feed = new java.util.HashMap[String, OnnxTensor]()
    try {
      binding.feeds.foreach { f =>
        feed.put(f.input, tensor(env, f, rows, tokens))
        NativeCounters.tensorOpened()
      }
      val ran = System.nanoTime()
      val result =
        try lease.run(feed, outputs)
        catch { case e: OrtException => throw OnnxErrors.runtimeFailure(binding.modelName, e) }
      NativeCounters.resultOpened()
      val decoded = System.nanoTime()
      runNanos += decoded - ran
      try {
        val value = result.get(0).asInstanceOf[OnnxTensor]
        val shape = value.getInfo.getShape
        val expected =
          if (binding.perToken) Array(rows.length.toLong, tokens.toLong, dim.toLong)
          else Array(rows.length.toLong, dim.toLong)
        if (!java.util.Arrays.equals(shape, expected)) {
          throw OnnxErrors.outputShapeMismatch(
            binding.modelName,
            binding.output.name,
            shape.mkString("[", ",", "]"),
            rows.length,
            0
          )
        }
        val hidden = value.getFloatBuffer
        var r = 0
        while (r < rows.length) {
          results(rows(r)) = rowValue(hidden, tokens, r, window.get(rows(r)))
          r += 1
        }
      } finally {
        result.close()
        NativeCounters.resultClosed()
        convertNanos += (ran - started) + (System.nanoTime() - decoded)
      }
    } finally
      feed.values().forEach { t =>
        t.close()
        NativeCounters.tensorClosed()
      }
  }

  private def rowValue(
      hidden: java.nio.FloatBuffer,
      tokens: Int,
      r: Int,
      encoded: Encoded
  ): Any = {
    val pooling = text.options.pooling
    if (binding.perToken && pooling == Pooling.NoPooling) {
      val vectors = TokenPooling.tokens(hidden, tokens, dim, r, encoded.length)
      if (text.options.normalize) vectors.foreach(TokenPooling.normalize)
      new GenericArrayData(vectors.map(v => UnsafeArrayData.fromPrimitiveArray(v): Any))
    } else {
      val vector =
        if (binding.perToken)
          TokenPooling.pool(hidden, tokens, dim, r, encoded.attentionMask, pooling)
        else {
          val out = new Array[Float](dim)
          hidden.position(r * dim)
          hidden.get(out)
          hidden.rewind()
          out
        }
      if (text.options.normalize) TokenPooling.normalize(vector)
      UnsafeArrayData.fromPrimitiveArray(vector)
    }
  }

  /** Input `f` for texts `rows`, `[rows, tokens]`, padded after each text's own tokens. */
  private def tensor(
      env: ai.onnxruntime.OrtEnvironment,
      f: TextBinding.Feed,
      rows: Array[Int],
      tokens: Int
  ): OnnxTensor = {
    val shape = Array(rows.length.toLong, tokens.toLong)
    val wide = f.elementType == ElementType.Int64
    val buffer = ByteBuffer
      .allocateDirect(rows.length * tokens * (if (wide) 8 else 4))
      .order(ByteOrder.nativeOrder())
    val pad = f.tokens match {
      case TextBinding.Ids => padId
      case _ => 0L
    }
    rows.foreach { i =>
      val encoded = window.get(i)
      val values = f.tokens match {
        case TextBinding.Ids => encoded.ids
        case TextBinding.AttentionMask => encoded.attentionMask
        case TextBinding.TypeIds => encoded.typeIds
      }
      var t = 0
      while (t < tokens) {
        val v = if (t < values.length) values(t) else pad
        if (wide) buffer.putLong(v) else buffer.putInt(v.toInt)
        t += 1
      }
    }
    buffer.rewind()
    if (wide) OnnxTensor.createTensor(env, buffer.asLongBuffer(), shape)
    else OnnxTensor.createTensor(env, buffer.asIntBuffer(), shape)
  }

  override def close(): Unit = lease.close()
}

object TextScorer {

  /**
   * The most texts, and padded tokens, one run takes. On the CPU, MiniLM-sized encoders run fastest
   * ~32 texts at a time (larger runs only add activation memory and lose cache).
   */
  val MaxRowsPerRun = 32
  val MaxTokensPerRun = 8192L

  def open(binding: TextBinding, source: ModelBytesSource, options: SessionOptions): TextScorer = {
    val lease =
      try
        SessionPool.lease(
          binding.model.identity,
          options,
          () => source.bytes(),
          source.path,
          binding.model.sizeBytes
        )
      catch { case e: OrtException => throw OnnxErrors.runtimeFailure(binding.modelName, e) }
    new TextScorer(binding, lease)
  }
}
