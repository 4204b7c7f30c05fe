package sparkonnx

import java.nio.file.{Files, Paths}

import scala.jdk.CollectionConverters._

import com.google.gson.{JsonArray, JsonParser}
import org.scalatest.funsuite.AnyFunSuite

import sparkonnx.errors.OnnxAnalysisException
import sparkonnx.model.OnnxModel
import sparkonnx.text.{TextOptions, TokenizerFile, Tokenizers}

/**
 * The JVM tokenizer gives exactly what Python's `tokenizers` gives: ids, attention mask and token
 * type ids, special tokens and truncation included, for WordPiece, byte-level BPE and Unigram
 * tokenizers (and all-MiniLM-L6-v2's when the zoo has it) on texts with accents, CJK, emoji,
 * right-to-left script, odd whitespace, empty and blank strings and texts past the maximum length.
 * The expected table was written by Python (models/build_text_test_models.py).
 */
class TokenizerParitySuite extends AnyFunSuite {

  private val folder = Paths.get("models", "testing", "text")
  private val table =
    JsonParser.parseString(Files.readString(folder.resolve("parity_expected.json"))).getAsJsonObject
  private val texts = table.getAsJsonArray("texts").asScala.map(_.getAsString).toSeq

  private def longs(array: JsonArray): Seq[Long] = array.asScala.map(_.getAsLong).toSeq

  table.getAsJsonArray("cases").asScala.map(_.getAsJsonObject).foreach { table =>
    val name = table.get("tokenizer").getAsString
    val maxLength = table.get("max_length").getAsInt
    test(s"$name, maxLength $maxLength: every text encodes as Python's tokenizers encodes it") {
      val path = folder.resolve(name).normalize()
      assume(Files.exists(path), s"$path is missing: run bin/setup (the text zoo)")
      val bytes = Files.readAllBytes(path)
      val file = TokenizerFile(bytes, path.toString, OnnxModel.sha256Hex(bytes), "parity")
      val expected = table.getAsJsonArray("encodings").asScala.map(_.getAsJsonObject).toSeq
      assert(expected.size === texts.size)
      var truncated = 0
      texts.zip(expected).foreach { case (text, want) =>
        val got = Tokenizers.encode(file, maxLength, text)
        val clue = s"text ${texts.indexOf(text)}: '${text.take(40)}'"
        assert(got.ids.toSeq === longs(want.getAsJsonArray("ids")), clue)
        assert(got.attentionMask.toSeq === longs(want.getAsJsonArray("attention_mask")), clue)
        assert(got.typeIds.toSeq === longs(want.getAsJsonArray("type_ids")), clue)
        if (got.length == maxLength) truncated += 1
      }
      assert(truncated >= 2, "the table holds texts longer than the maximum length")
    }
  }

  test("a file that is no tokenizer.json is refused with the library's reason") {
    val error = intercept[OnnxAnalysisException] {
      TokenizerFile("{\"model\": 42}".getBytes("UTF-8"), "bad.json", "00", "bad")
    }
    assert(error.getCondition === "ONNX_INVALID_TOKENIZER")
    assert(error.getMessageParameters.get("reason").nonEmpty)
    assert(TextOptions().maxLength === TextOptions.DefaultMaxLength)
  }
}
