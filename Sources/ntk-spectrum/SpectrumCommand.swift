import ArgumentParser
import SpectrumStage
import StageCLI

struct SpectrumCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-spectrum",
    abstract: "Kernel–target alignment and spectrum of a step's kernels on its training set.",
    discussion: """
      For the finite tangent kernel K0 = G Gᵀ of the step's layer (from --features), and with --infinite the \
      infinite-width kernel K∞, with --trained the tangent kernel of the trained network: the alignment \
      yᵀKy/(‖K‖_F‖y‖²), uncentred and centred (on every training sample; K∞ on a seeded subset where 16·m² bytes \
      exceed --kernel-memory-gib), and the eigenvalues of K/n on n = min(m, --samples) training samples with the \
      labels' power in each eigendirection.
      """)

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The step's student network (ntk-init).") var network: String
  @Option(help: "The step's tangent features (ntk-features): K0.") var features: String
  @Option(help: "The step's trained network (ntk-gradient-descent): also K_T.") var trained: String?
  @Flag(help: "Also the infinite-width kernel K∞ of the layer.") var infinite = false
  @Option(help: "The most training samples of a spectrum, at least 2 (a seeded subset above).")
  var samples = KernelSpectrumAnalysis.defaultSampleLimit
  @Option(help: "The subset: the first --samples of numpy's RandomState(seed).permutation(m), ascending.")
  var seed = 0
  @Option(help: "K∞'s alignment uses all m samples where 16·m² bytes fit this many GiB (ntk-infinite-kernel's limit).")
  var kernelMemoryGib = 8.0
  @Option(help: "Where to write the spectra as CSV (for the plot), with the artifact or not at all.") var csv: String?
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func validate() throws {
    guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
    guard seed >= 0, seed <= Int(UInt32.max) else {
      throw ValidationError("--seed must be between 0 and 2³² − 1, got \(seed)")
    }
    guard kernelMemoryGib >= 0, kernelMemoryGib.isFinite else {
      throw ValidationError("--kernel-memory-gib must be a number ≥ 0, got \(kernelMemoryGib)")
    }
  }

  func run() throws {
    let stage = KernelSpectrumAnalysis(
      truthPath: truth, networkPath: network, featuresPath: features, trainedPath: trained, infinite: infinite,
      sampleLimit: samples, seed: UInt32(seed), kernelMemory: Int(kernelMemoryGib * Double(1 << 30)))
    try stage.run(output: output.output, csv: csv, log: logging.log(for: Self.self))
  }
}
