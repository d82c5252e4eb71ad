import ArgumentParser
import Artifacts
import FeaturesStage
import StageCLI

extension FeatureKind: ExpressibleByArgument {}
extension FeatureStorage: ExpressibleByArgument {}

struct FeaturesCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-features",
    abstract: "Tangent features ∂f/∂θ of one layer of a network, for every training sample (and test sample).")

  @OptionGroup var inputs: StudentInputs
  @Option(help: "The layer θ: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(help: "The features: \(FeatureKind.allCases.map(\.rawValue).joined(separator: ", ")).")
  var kind: FeatureKind = .outputGradient
  @Option(
    help: """
      dense (the rows) or factored (δ and z per layer); default: factored above --storage-limit-mib of dense rows.
      """)
  var storage: FeatureStorage?
  @Option(help: "Without --storage: the MiB of dense rows (every sample) above which the features are factored.")
  var storageLimitMib: Double = Double(FeatureStorage.automaticLimit >> 20)
  @Flag(
    help: """
      Store the test features too (by default ntk-evaluate computes the test decisions from the network).
      """)
  var testFeatures = false
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard storageLimitMib >= 0, storageLimitMib.isFinite, storageLimitMib * 1_048_576 < Double(Int.max) else {
      throw ValidationError("--storage-limit-mib must be a number of MiB ≥ 0, got \(storageLimitMib)")
    }
  }

  func run() throws {
    let stage = ComputeFeatures(
      truthPath: inputs.truth, networkPath: inputs.network, layer: layer, kind: kind,
      allowLabelLeak: inputs.allowLabelLeak, storage: storage,
      storageLimit: Int(storageLimitMib * 1_048_576), storeTestFeatures: testFeatures)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
