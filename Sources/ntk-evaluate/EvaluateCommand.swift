import ArgumentParser
import EvaluateStage
import StageCLI

struct EvaluateCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-evaluate",
    abstract: "0-1 errors of the SVM and of the network with the layer set to each candidate; carries θc on.")

  @OptionGroup var inputs: StudentInputs
  @Option(help: "The features file (ntk-features).") var features: String
  @Option(help: "The SVM file (ntk-train).") var svm: String
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func run() throws {
    let stage = EvaluateNetwork(
      truthPath: inputs.truth, networkPath: inputs.network, featuresPath: features, svmPath: svm,
      allowLabelLeak: inputs.allowLabelLeak)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
