package sparkonnx.sql.functions

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.analysis.UnresolvedException
import org.apache.spark.sql.catalyst.expressions.{
  Expression,
  ExpressionDescription,
  UnaryExpression,
  Unevaluable,
  UnsafeArrayData
}
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenFallback
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

import sparkonnx.text.TextModel

/**
 * `onnx_tokenize(model, text)`: the text as the registered text model's tokenizer encodes it, for
 * users who run their own graph. [[ResolveOnnxCalls]] binds it to the model's tokenizer.
 */
@ExpressionDescription(
  usage = """
    _FUNC_(model, text[, options]) - Returns `text` tokenized by the tokenizer the text model
      `model` was registered with: a struct of `input_ids`, `attention_mask` and
      `token_type_ids` (arrays of bigint, special tokens included, truncated to the model's
      maxLength, never padded). Null text gives null.
  """,
  arguments = """
    Arguments:
      * model - the name a text model was registered under: a string literal.
      * text - a STRING column.
      * options - optional map<string,string>: maxLength.
  """,
  examples = """
    Examples:
      > SELECT _FUNC_('tiny_text', 'Hello world').input_ids[1];
       5
      > SELECT size(_FUNC_('tiny_text', 'hello, world!', map('maxLength', '3')).attention_mask);
       3
  """,
  since = "0.1.0",
  group = "misc_funcs"
)
case class OnnxTokenizeCall(children: Seq[Expression]) extends Expression with Unevaluable {

  override lazy val resolved: Boolean = false

  override def dataType: DataType = throw new UnresolvedException("dataType")

  override def nullable: Boolean = true

  override def prettyName: String = OnnxTokenize.FunctionName

  override protected def withNewChildrenInternal(
      newChildren: IndexedSeq[Expression]
  ): OnnxTokenizeCall = copy(children = newChildren)
}

/** A resolved `onnx_tokenize`: pure and cheap, evaluated row by row wherever Spark likes. */
case class OnnxTokenize(modelName: String, text: TextModel, child: Expression)
    extends UnaryExpression
    with CodegenFallback {

  override def dataType: DataType = OnnxTokenize.ResultType

  override def prettyName: String = OnnxTokenize.FunctionName

  override def flatArguments: Iterator[Any] = Iterator(modelName, child)

  override def sql: String = s"$prettyName('$modelName', ${child.sql})"

  override protected def nullSafeEval(input: Any): Any = {
    val encoded = text.encode(input.asInstanceOf[UTF8String].toString)
    InternalRow(
      UnsafeArrayData.fromPrimitiveArray(encoded.ids),
      UnsafeArrayData.fromPrimitiveArray(encoded.attentionMask),
      UnsafeArrayData.fromPrimitiveArray(encoded.typeIds)
    )
  }

  override protected def withNewChildInternal(newChild: Expression): OnnxTokenize =
    copy(child = newChild)
}

object OnnxTokenize {
  val FunctionName = "onnx_tokenize"

  val ResultType: StructType = StructType(
    Seq("input_ids", "attention_mask", "token_type_ids").map { name =>
      StructField(name, ArrayType(LongType, containsNull = false), nullable = false)
    }
  )
}
