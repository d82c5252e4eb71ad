import ArgumentParser
import StageCLI
import TrainStage

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-train",
    abstract: """
      Train a linear C-SVC (scikit-learn's SVC(kernel='linear') problem) on the training features: libsvm, or \
      the linear-time dual coordinate descent.
      """)

  @Option(help: "The features file (ntk-features).") var features: String
  @OptionGroup var svm: SVMOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func run() throws {
    let stage = TrainSVM(
      featuresPath: features, parameters: svm.parameters, kernelMemory: svm.kernelMemory, solver: svm.solver,
      linearParameters: svm.linearParameters)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
