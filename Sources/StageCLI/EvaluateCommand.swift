import ArgumentParser
import Stages

public struct EvaluateCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-evaluate",
    abstract: "0-1 errors of the SVM and of the network with the layer set to each candidate; carries θc on.")

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The step's initial network (ntk-init).") var network: String
  @Option(help: "The features file (ntk-features).") var features: String
  @Option(help: "The SVM file (ntk-train).") var svm: String
  @Flag(help: "Report the classifier's test error on label-dependent test features, marked as leaked.")
  var allowLabelLeak = false
  @OptionGroup var output: OutputOptions

  public init() {}

  public func run() throws {
    let stage = EvaluateNetwork(
      truthPath: truth, networkPath: network, featuresPath: features, svmPath: svm, allowLabelLeak: allowLabelLeak)
    try stage.run(output: output.output, log: output.log("ntk-evaluate"))
  }
}
