import ArgumentParser
import Artifacts
import Stages

extension FeatureKind: ExpressibleByArgument {}
extension FeatureStorage: ExpressibleByArgument {}

public struct FeaturesCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-features",
    abstract: "Tangent features ∂f/∂θ of one layer of a network, for every train and test sample.")

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The network file (ntk-init).") var network: String
  @Option(help: "The layer θ: W1 … WL or u (W, V name W1, W2).") var layer: String
  @Option(help: "The features: \(FeatureKind.allCases.map(\.rawValue).joined(separator: ", ")).")
  var kind: FeatureKind = .outputGradient
  @Option(help: "dense (the rows) or factored (δ and z per layer); default: factored above 1 GiB of dense rows.")
  var storage: FeatureStorage?
  @Flag(help: "Compute test features of a label-dependent kind anyway (they carry the test labels).")
  var allowLabelLeak = false
  @OptionGroup var output: OutputOptions

  public init() {}

  public func run() throws {
    let stage = ComputeFeatures(
      truthPath: truth, networkPath: network, layer: layer, kind: kind, allowLabelLeak: allowLabelLeak,
      storage: storage)
    try stage.run(output: output.output, log: output.log("ntk-features"))
  }
}
