package sparkonnx.tensor

import sparkonnx.errors.OnnxErrors
import sparkonnx.model.{TensorSpec, ValueKind}

/** How one input is fed, decided at analysis from the signature and the call's arguments. */
sealed trait InputFeed extends Serializable {

  /** The dims of the value one argument gives (-1 where dynamic). */
  def valueDims: Seq[Long]
}

object InputFeed {

  /** One value per row, the rows stacked along `axis` of the input. */
  final case class PerRow(axis: Int, valueDims: Seq[Long]) extends InputFeed

  /** One full tensor: a constant fed once per run, or a row's value in whole-call mode. */
  final case class Whole(valueDims: Seq[Long]) extends InputFeed
}

/** Where each row's part of an output sits. */
sealed trait OutputSplit extends Serializable

object OutputSplit {

  /**
   * Row `r` of a run is index `r` along `axis`. `named` when the axis carries the inputs' batch
   * name; otherwise (an unnamed or differently named dynamic dim, a fixed one matching a fixed
   * batch) it is only assumed, and checked against a run of one row (see BatchScorer).
   */
  final case class PerRow(axis: Int, named: Boolean = false) extends OutputSplit

  /** The whole output is the row's value (whole-call mode). */
  case object Whole extends OutputSplit
}

/**
 * The row <-> tensor contract of one call (docs/tensors.md): for every input, whether rows are
 * stacked along a batch axis (and which) or the argument is one constant tensor; for every output,
 * the axis to split rows along; and the fixed batch size, if the model fixes one.
 */
final case class BatchContract(
    inputs: Seq[InputFeed],
    constant: Seq[Boolean],
    outputs: Seq[OutputSplit],
    fixedBatch: Option[Int],
    wholeCall: Boolean
)

object BatchContract {

  /** A call argument as the contract sees it: its name for errors, and whether it is constant. */
  final case class Argument(column: String, foldable: Boolean)

  /**
   * Decides the contract of `model`'s `inputs` fed by `arguments` (same order), fetching `outputs`;
   * throws the analysis error that says what to do when the batched contract does not fit. In
   * whole-call mode every row is one complete run: nothing is split or stacked.
   */
  def decide(
      model: String,
      inputs: Seq[TensorSpec],
      arguments: Seq[Argument],
      outputs: Seq[TensorSpec],
      wholeCall: Boolean
  ): BatchContract = {
    // Values no Spark column or result can hold are refused before any contract is drawn.
    inputs.foreach { input =>
      if (!input.isTensor) throw OnnxErrors.unsupportedTensorType(model, "input", input)
    }
    outputs.foreach { output =>
      output.kind match {
        case ValueKind.Tensor | ValueKind.SequenceOf(ValueKind.MapOf(_)) =>
        case _ => throw OnnxErrors.unsupportedTensorType(model, "output", output)
      }
    }
    if (wholeCall) {
      outputs.foreach { output =>
        if (!output.isTensor || !output.shapeKnown) {
          throw OnnxErrors.unsupportedTensorType(model, "output", output)
        }
      }
      BatchContract(
        inputs.map(i => InputFeed.Whole(i.shape)),
        inputs.map(_ => false),
        outputs.map(_ => OutputSplit.Whole),
        None,
        wholeCall = true
      )
    } else batched(model, inputs, arguments, outputs)
  }

  private sealed trait Role
  private final case class Dynamic(axis: Int) extends Role
  private final case class Fixed(size: Long) extends Role
  private case object Const extends Role
  // A fixed-dims input given a constant: constant if another input carries rows.
  private final case class ConstOrFixed(size: Long) extends Role

  private def batched(
      model: String,
      inputs: Seq[TensorSpec],
      arguments: Seq[Argument],
      outputs: Seq[TensorSpec]
  ): BatchContract = {
    // Symbolic names that lead some input: the batch dim, wherever else it appears.
    val batchNames = inputs
      .filter(i => i.shapeKnown && i.rank > 0)
      .map(_.dimName(0))
      .filter(_.nonEmpty)
      .toSet
    val roles = inputs.zip(arguments).map { case (input, argument) =>
      if (!input.shapeKnown) {
        throw OnnxErrors.batchAxisAmbiguous(model, input, "the model declares no shape for it")
      }
      val named = input.shape.indices.filter(a => batchNames.contains(input.dimName(a)))
      if (input.rank == 0) {
        if (!argument.foldable) throw OnnxErrors.inputNotConstant(model, input, argument.column)
        Const
      } else if (named.size > 1) {
        throw OnnxErrors.batchAxisAmbiguous(
          model,
          input,
          s"dims ${named.mkString(" and ")} " +
            s"both carry a batch name (${named.map(input.dimName).distinct.mkString(", ")})"
        )
      } else if (named.size == 1) {
        Dynamic(named.head)
      } else if (input.shape.head < 0) {
        Dynamic(0)
      } else if (argument.foldable && input.shape.forall(_ >= 0)) {
        // A dynamic dim behind a fixed one may be the batch: such an input is never constant.
        ConstOrFixed(input.shape.head)
      } else {
        Fixed(input.shape.head)
      }
    }
    val carriesRows = roles.exists {
      case Dynamic(_) | Fixed(_) => true
      case _ => false
    }
    // With every argument constant (a query over literals), fixed leading dims are the batch.
    val settled = roles.map {
      case ConstOrFixed(size) => if (carriesRows) Const else Fixed(size)
      case role => role
    }
    if (!settled.exists(_ != Const)) {
      throw OnnxErrors.noRowInput(
        model,
        if (inputs.isEmpty) "it has no inputs"
        else "every input is a scalar or takes a constant"
      )
    }
    val dynamic = inputs.zip(settled).collect { case (input, Dynamic(_)) => input }
    val fixed = inputs.zip(settled).collect { case (input, Fixed(size)) => (input, size) }
    if (dynamic.nonEmpty && fixed.nonEmpty) {
      val (input, size) = fixed.head
      throw OnnxErrors.batchAxisAmbiguous(
        model,
        input,
        s"its leading dim is fixed at $size " +
          s"while the batch dim of input '${dynamic.head.name}' " +
          s"(${dynamic.head.namedShapeString}) is dynamic"
      )
    }
    fixed.map(_._2).distinct match {
      case Seq(_, _, _*) =>
        throw OnnxErrors.batchAxisAmbiguous(
          model,
          fixed.head._1,
          "the inputs fix different " +
            s"batch sizes (${fixed.map { case (i, n) => s"${i.name}: $n" }.mkString(", ")})"
        )
      case _ =>
    }
    val fixedBatch = fixed.headOption.map(_._2.toInt)
    val feeds = inputs.zip(settled).map {
      case (input, Dynamic(axis)) => InputFeed.PerRow(axis, input.shape.patch(axis, Nil, 1))
      case (input, Fixed(_)) => InputFeed.PerRow(0, input.shape.drop(1))
      case (input, _) => InputFeed.Whole(input.shape)
    }
    val splits = outputs.map(output => outputSplit(model, output, batchNames, fixedBatch))
    BatchContract(feeds, settled.map(_ == Const), splits, fixedBatch, wholeCall = false)
  }

  /** The axis an output's rows sit on, or the analysis error saying it has none. */
  private def outputSplit(
      model: String,
      output: TensorSpec,
      batchNames: Set[String],
      fixedBatch: Option[Int]
  ): OutputSplit = {
    def refuse(reason: String) = OnnxErrors.outputNotPerRow(model, output, reason)
    output.kind match {
      // A sequence of maps (a ZipMap) holds one map per row, by construction.
      case ValueKind.SequenceOf(ValueKind.MapOf(_)) => OutputSplit.PerRow(0, named = true)
      case _ if !output.shapeKnown => throw refuse("the model declares no shape for it")
      case _ if output.rank == 0 => throw refuse("it is one scalar for the whole run")
      case _ =>
        val named = output.shape.indices.filter(a => batchNames.contains(output.dimName(a)))
        if (named.size > 1) throw refuse(s"dims ${named.mkString(" and ")} both carry a batch name")
        else if (named.size == 1) OutputSplit.PerRow(named.head, named = true)
        else if (output.shape.head < 0) OutputSplit.PerRow(0)
        else if (fixedBatch.contains(output.shape.head.toInt)) OutputSplit.PerRow(0)
        else {
          val batch = fixedBatch.map(n => s"fixed at $n").getOrElse("dynamic")
          throw refuse(
            s"its leading dim is fixed at ${output.shape.head} while the batch is " +
              batch
          )
        }
    }
  }
}
