import ArgumentParser
import Stages

public struct InitCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-init",
    abstract: "The student network at the start of a step: draw layers N(0, 1/fan_in) from a seed, keeping those learned before.")

  @Option(name: .customLong("dim"), help: "Input dimension d.") var inputDimension = 25
  @Option(help: "Hidden widths, comma-separated (default: d,d).") var widths: String?
  @Option(help: "The step's layer: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(help: "Seed of numpy's legacy generator for this step.") var seed: UInt32
  @Option(name: .customLong("from"), help: "A file with the network carried from the previous step (omit for the first step).")
  var carriedFrom: String?
  @OptionGroup var output: OutputOptions

  public init() {}

  public func validate() throws {
    guard inputDimension > 0 else { throw ValidationError("--dim must be positive") }
    _ = try parseWidths(widths ?? "")
  }

  public func run() throws {
    let stage = InitNetwork(
      inputDimension: inputDimension, widths: try widths.map(parseWidths) ?? [inputDimension, inputDimension],
      seed: seed, layer: layer, carriedFrom: carriedFrom)
    try stage.run(output: output.output, log: output.log("ntk-init"))
  }
}
