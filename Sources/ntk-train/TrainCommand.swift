import ArgumentParser
import LinearSVM
import StageCLI
import TrainStage

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-train",
    abstract: "Train a linear C-SVC (libsvm, as scikit-learn's SVC(kernel='linear')) on the training features.")

  @Option(help: "The features file (ntk-features).") var features: String
  @Option(name: .customLong("C"), help: "The penalty C > 0.") var penalty = 1.0
  @Option(help: "The solver's stopping tolerance.") var tolerance = 1e-3
  @Option(help: "libsvm's kernel cache in MB (scikit-learn's cache_size); it changes the time, not the solution.")
  var cacheMb = 200.0
  @Option(help: "Train from the precomputed kernel when libsvm's copy (16 bytes × m²) fits in this many GiB.")
  var kernelMemoryGib = 8.0
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  var parameters: SVMParameters { SVMParameters(C: penalty, tolerance: tolerance, cacheMegabytes: cacheMb) }

  func validate() throws {
    if let (name, value) = parameters.firstInvalid {
      let option = ["C": "--C", "tolerance": "--tolerance", "cache size": "--cache-mb"][name]!
      throw ValidationError("\(option) must be a positive number, got \(value)")
    }
    guard kernelMemoryGib >= 0, kernelMemoryGib.isFinite else {
      throw ValidationError("--kernel-memory-gib must be a number ≥ 0, got \(kernelMemoryGib)")
    }
  }

  func run() throws {
    let stage = TrainSVM(
      featuresPath: features, parameters: parameters, kernelMemory: Int(kernelMemoryGib * Double(1 << 30)))
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
