import ArgumentParser
import LinearSVM
import Stages

public struct TrainCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-train",
    abstract: "Train a linear C-SVC (libsvm, as scikit-learn's SVC(kernel='linear')) on the training features.")

  @Option(help: "The features file (ntk-features).") var features: String
  @Option(name: .customLong("C"), help: "The penalty C > 0.") var penalty = 1.0
  @Option(help: "The solver's stopping tolerance.") var tolerance = 1e-3
  @OptionGroup var output: OutputOptions

  public init() {}

  public func validate() throws {
    guard penalty > 0, penalty.isFinite else { throw ValidationError("--C must be a positive number, got \(penalty)") }
    guard tolerance > 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a positive number") }
  }

  public func run() throws {
    let stage = TrainSVM(featuresPath: features, parameters: SVMParameters(C: penalty, tolerance: tolerance))
    try stage.run(output: output.output, log: output.log("ntk-train"))
  }
}
