package sparkonnx.sql.functions

import scala.reflect.ClassTag

import org.apache.spark.sql.catalyst.FunctionIdentifier
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry.FunctionBuilder
import org.apache.spark.sql.catalyst.analysis.FunctionRegistryBase
import org.apache.spark.sql.catalyst.expressions.{Expression, ExpressionInfo}

/** Every SQL function spark-onnx adds, listed once; the extension injects them all. */
object FunctionCatalog {

  val functions: Seq[(FunctionIdentifier, ExpressionInfo, FunctionBuilder)] = Seq(
    function[OnnxPredictCall](OnnxPredict.FunctionName),
    function[TryOnnxPredictCall](OnnxPredict.TryFunctionName),
    function[OnnxModelInfoCall]("onnx_model_info"),
    function[OnnxTokenizeCall](OnnxTokenize.FunctionName),
    function[OnnxImageTensor]("onnx_image_tensor"),
    function[TryOnnxImageTensor]("try_onnx_image_tensor"),
    function[OnnxTopK]("onnx_top_k"),
    function[OnnxRuntimeStats]("onnx_runtime_stats")
  )

  /** Spark's own builder: arity errors and `ExpressionInfo` from `@ExpressionDescription`. */
  private def function[T <: Expression: ClassTag](
      name: String
  ): (FunctionIdentifier, ExpressionInfo, FunctionBuilder) = {
    val (info, builder) = FunctionRegistryBase.build[T](name, since = None)
    (FunctionIdentifier(name), info, builder)
  }
}
