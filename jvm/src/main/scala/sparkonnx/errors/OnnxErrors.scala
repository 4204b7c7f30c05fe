package sparkonnx.errors

import sparkonnx.model.TensorSpec

/** The one place spark-onnx errors are made; parameters are values, never prose. */
private[sparkonnx] object OnnxErrors {

  def modelNotFound(model: String, registered: Seq[String]): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_MODEL_NOT_FOUND",
      Map(
        "model" -> model,
        "registered" -> (if (registered.isEmpty) "(none)" else registered.mkString(", "))
      )
    )

  def unsafeExternalData(model: String, location: String, folder: String, reason: String) =
    new OnnxAnalysisException(
      "ONNX_UNSAFE_EXTERNAL_DATA",
      Map("model" -> model, "location" -> location, "folder" -> folder, "reason" -> reason)
    )

  def modelAlreadyRegistered(model: String, existing: String, added: String) =
    new OnnxAnalysisException(
      "ONNX_MODEL_ALREADY_REGISTERED",
      Map("model" -> model, "existing" -> existing.take(16), "new" -> added.take(16))
    )

  def modelNameNotConstant(function: String, expression: String): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_MODEL_NAME_NOT_CONSTANT",
      Map("function" -> function, "expression" -> expression)
    )

  def wrongNumInputs(model: String, inputs: Seq[TensorSpec], actual: Int): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_WRONG_NUM_INPUTS",
      Map(
        "model" -> model,
        "expected" -> inputs.size.toString,
        "inputNames" -> inputs.map(_.name).mkString("(", ", ", ")"),
        "actual" -> actual.toString
      )
    )

  def inputTypeMismatch(
      model: String,
      input: TensorSpec,
      column: String,
      columnType: String,
      supported: Seq[String]
  ): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_INPUT_TYPE_MISMATCH",
      Map(
        "model" -> model,
        "input" -> input.name,
        "column" -> column,
        "columnType" -> columnType,
        "elementType" -> input.elementType.onnxName,
        "shape" -> input.shapeString,
        "supported" -> supported.mkString(", ")
      )
    )

  def unsupportedTensorType(model: String, role: String, spec: TensorSpec): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_UNSUPPORTED_TENSOR_TYPE",
      Map("model" -> model, "role" -> role, "tensor" -> spec.name, "tensorType" -> spec.typeString)
    )

  def unknownOutput(model: String, output: String, outputs: Seq[String]): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_UNKNOWN_OUTPUT",
      Map("model" -> model, "output" -> output, "outputs" -> outputs.mkString(", "))
    )

  def invalidOption(
      function: String,
      option: String,
      value: String,
      reason: String,
      options: Seq[String]
  ): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_INVALID_OPTION",
      Map(
        "function" -> function,
        "option" -> option,
        "value" -> value,
        "reason" -> reason,
        "options" -> options.mkString(", ")
      )
    )

  def modelFileNotFound(model: String, path: String, reason: String): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_MODEL_FILE_NOT_FOUND",
      Map("model" -> model, "path" -> path, "reason" -> reason)
    )

  def invalidModel(
      model: String,
      source: String,
      reason: String,
      cause: Throwable
  ): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_INVALID_MODEL",
      Map("model" -> model, "source" -> source, "reason" -> reason),
      Option(cause)
    )

  def inputShapeMismatch(
      model: String,
      input: TensorSpec,
      column: String,
      expected: String,
      actual: String
  ): OnnxExecutionException =
    new OnnxExecutionException(
      "ONNX_INPUT_SHAPE_MISMATCH",
      Map(
        "model" -> model,
        "input" -> input.name,
        "column" -> column,
        "shape" -> input.shapeString,
        "expected" -> expected,
        "actual" -> actual
      )
    )

  def inputNotConstant(model: String, input: TensorSpec, column: String) =
    new OnnxAnalysisException(
      "ONNX_INPUT_NOT_CONSTANT",
      Map(
        "model" -> model,
        "input" -> input.name,
        "shape" -> input.namedShapeString,
        "column" -> column
      )
    )

  def batchAxisAmbiguous(model: String, input: TensorSpec, reason: String) =
    new OnnxAnalysisException(
      "ONNX_BATCH_AXIS_AMBIGUOUS",
      Map(
        "model" -> model,
        "input" -> input.name,
        "shape" -> input.namedShapeString,
        "reason" -> reason
      )
    )

  def noRowInput(model: String, reason: String) =
    new OnnxAnalysisException("ONNX_NO_ROW_INPUT", Map("model" -> model, "reason" -> reason))

  def outputNotPerRow(model: String, output: TensorSpec, reason: String) =
    new OnnxAnalysisException(
      "ONNX_OUTPUT_NOT_PER_ROW",
      Map(
        "model" -> model,
        "output" -> output.name,
        "shape" -> output.namedShapeString,
        "reason" -> reason
      )
    )

  def functionNameTaken(model: String, reason: String) =
    new OnnxIllegalArgumentException(
      "ONNX_FUNCTION_NAME_TAKEN",
      Map("model" -> model, "reason" -> reason)
    )

  def stageModelNotSet(stage: String, uid: String, reason: String) =
    new OnnxIllegalArgumentException(
      "ONNX_STAGE_MODEL_NOT_SET",
      Map("stage" -> stage, "uid" -> uid, "reason" -> reason)
    )

  def extensionNotEnabled(setting: String, extension: String) =
    new OnnxAnalysisException(
      "ONNX_EXTENSION_NOT_ENABLED",
      Map("setting" -> setting, "extension" -> extension)
    )

  def outputMixesRows(model: String, output: String, axis: Int) =
    new OnnxExecutionException(
      "ONNX_OUTPUT_MIXES_ROWS",
      Map("model" -> model, "output" -> output, "axis" -> axis.toString)
    )

  def outputShapeMismatch(model: String, output: String, actual: String, rows: Int, axis: Int) =
    new OnnxExecutionException(
      "ONNX_OUTPUT_SHAPE_MISMATCH",
      Map(
        "model" -> model,
        "output" -> output,
        "actual" -> actual,
        "rows" -> rows.toString,
        "axis" -> axis.toString
      )
    )

  def inputFieldsMismatch(
      model: String,
      inputs: Seq[TensorSpec],
      column: String,
      missing: Seq[String],
      extra: Seq[String]
  ): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_INPUT_FIELDS_MISMATCH",
      Map(
        "model" -> model,
        "column" -> column,
        "inputNames" -> inputs.map(_.name).mkString("(", ", ", ")"),
        "missing" -> listOrNone(missing),
        "extra" -> listOrNone(extra)
      )
    )

  def valueOutOfRange(
      model: String,
      input: TensorSpec,
      column: String,
      value: Long,
      range: String
  ): OnnxExecutionException =
    new OnnxExecutionException(
      "ONNX_VALUE_OUT_OF_RANGE",
      Map(
        "model" -> model,
        "input" -> input.name,
        "column" -> column,
        "elementType" -> input.elementType.onnxName,
        "value" -> value.toString,
        "range" -> range
      )
    )

  def nullInArray(model: String, input: TensorSpec, column: String): OnnxExecutionException =
    new OnnxExecutionException(
      "ONNX_NULL_IN_ARRAY",
      Map("model" -> model, "input" -> input.name, "column" -> column)
    )

  def imageTypeMismatch(function: String, column: String, columnType: String) =
    new OnnxAnalysisException(
      "ONNX_IMAGE_TYPE_MISMATCH",
      Map("function" -> function, "column" -> column, "columnType" -> columnType)
    )

  def providerUnavailable(provider: String, available: String) =
    new OnnxExecutionException(
      "ONNX_EXECUTION_PROVIDER_UNAVAILABLE",
      Map("provider" -> provider, "available" -> available)
    )

  def invalidImage(origin: String, column: String, reason: String): OnnxExecutionException =
    new OnnxExecutionException(
      "ONNX_INVALID_IMAGE",
      Map("origin" -> origin, "column" -> column, "reason" -> reason)
    )

  def runtimeFailure(model: String, cause: Throwable): OnnxExecutionException =
    new OnnxExecutionException(
      "ONNX_RUNTIME_FAILURE",
      Map("model" -> model, "reason" -> String.valueOf(cause.getMessage)),
      cause
    )

  /** A setting's value is not one it takes; `expected` says what it takes, with its bounds. */
  def invalidSetting(key: String, value: String, expected: String): OnnxIllegalArgumentException =
    new OnnxIllegalArgumentException(
      "ONNX_INVALID_SETTING",
      Map(
        "key" -> key,
        "value" -> (if (value.length > 200) value.take(200) + "..." else value),
        "expected" -> expected
      )
    )

  /** A model named at run time outside the roots `setting` allows (`allowed`: those roots). */
  def modelSourceNotAllowed(model: String, path: String, setting: String, allowed: Seq[String]) =
    new OnnxAnalysisException(
      "ONNX_MODEL_SOURCE_NOT_ALLOWED",
      Map("model" -> model, "path" -> path, "setting" -> setting, "allowed" -> listOrNone(allowed))
    )

  /**
   * A model path whose scheme fetches from a server (http, ftp...) that `setting` does not list.
   */
  def modelSchemeNotAllowed(
      model: String,
      path: String,
      scheme: String,
      setting: String,
      allowed: Seq[String]
  ) =
    new OnnxAnalysisException(
      "ONNX_MODEL_SCHEME_NOT_ALLOWED",
      Map(
        "model" -> model,
        "path" -> path,
        "scheme" -> scheme,
        "setting" -> setting,
        "allowed" -> listOrNone(allowed)
      )
    )

  def modelHasNoLabels(model: String, function: String): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_MODEL_HAS_NO_LABELS",
      Map("model" -> model, "function" -> function)
    )

  def notATextModel(model: String, reason: String): OnnxAnalysisException =
    new OnnxAnalysisException("ONNX_NOT_A_TEXT_MODEL", Map("model" -> model, "reason" -> reason))

  def textInputTypeMismatch(model: String, column: String, columnType: String) =
    new OnnxAnalysisException(
      "ONNX_TEXT_INPUT_TYPE_MISMATCH",
      Map("model" -> model, "column" -> column, "columnType" -> columnType)
    )

  def invalidTokenizer(model: String, source: String, reason: String): OnnxAnalysisException =
    new OnnxAnalysisException(
      "ONNX_INVALID_TOKENIZER",
      Map("model" -> model, "source" -> source, "reason" -> reason)
    )

  private def listOrNone(names: Seq[String]): String =
    if (names.isEmpty) "(none)" else names.mkString(", ")
}
