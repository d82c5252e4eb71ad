import ArgumentParser
import StageCLI
import TrainStage

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-train",
    abstract: "Train a linear C-SVC (libsvm, as scikit-learn's SVC(kernel='linear')) on the training features.")

  @Option(help: "The features file (ntk-features).") var features: String
  @OptionGroup var svm: SVMOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func run() throws {
    let stage = TrainSVM(featuresPath: features, parameters: svm.parameters, kernelMemory: svm.kernelMemory)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
