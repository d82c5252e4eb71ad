import ArgumentParser
import InitStage
import StageCLI

struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-init",
    abstract:
      "The student network at the start of a step: draw layers N(0, 1/fan_in) from a seed, keeping those "
      + "learned before."
  )

  @OptionGroup(title: "The student") var shape: NetworkShapeOptions
  @Option(help: "The step's layer: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(help: "Seed of numpy's legacy generator for this step.") var seed: UInt32
  @Option(
    name: .customLong("from"),
    help: "The evaluation file with the network carried from the previous step (omit for the first step).")
  var carriedFrom: String?
  @Option(
    help: "A ground-truth file (ntk-truth or ntk-import) whose input dimension is the student's d (instead of --dim).")
  var truth: String?
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func validate() throws {
    if truth != nil, shape.givenDimension != nil { throw ValidationError("give --dim or --truth, not both") }
  }

  func run() throws {
    let stage = InitNetwork(
      inputDimension: shape.inputDimension, widths: shape.givenWidths, seed: seed, layer: layer,
      carriedFrom: carriedFrom, truthFile: truth)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
