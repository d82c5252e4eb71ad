import ArgumentParser
import SpectrumStage
import StageCLI

struct SpectrumCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-spectrum",
    abstract: "Kernel–target alignment and spectrum of each step's kernels on the training set.",
    discussion: """
      For each step folder (holding network.h5 and features.h5), the finite tangent kernel K0 = G Gᵀ of the \
      step's layer, with --infinite also the infinite-width kernel K∞, with --trained also the tangent kernel of \
      the trained network (the folder's trained.h5): the alignment yᵀKy/(‖K‖_F‖y‖²), uncentred and centred (on \
      every training sample; K∞ on a seeded subset where 16·m² bytes exceed --kernel-memory-gib), and the \
      eigenvalues of K/n on n = min(m, --samples) training samples with the labels' power in each eigendirection. \
      Writes spectrum.h5 and spectrum.csv into each folder, and the alignment table where asked: all or nothing.
      """)

  @Argument(help: "The step folders (network.h5, features.h5; trained.h5 with --trained), in the run's order.")
  var steps: [String]
  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Flag(help: "Also the tangent kernel K_T of each step's trained network (trained.h5).") var trained = false
  @Flag(help: "Also the infinite-width kernel K∞ of each step's layer.") var infinite = false
  @Option(help: "The most training samples of a spectrum, at least 2 (a seeded subset above).")
  var samples = KernelSpectrumAnalysis.defaultSampleLimit
  @Option(help: "The subset: the first --samples of numpy's RandomState(seed).permutation(m), ascending.")
  var seed = 0
  @Option(help: "K∞'s alignment uses all m samples where 16·m² bytes fit this many GiB (ntk-infinite-kernel's limit).")
  var kernelMemoryGib = SVMOptions.defaultKernelMemoryGib
  @Option(help: "Where to write the alignment table as CSV (step,kernel,alignment,centred_alignment,samples).")
  var alignmentCsv: String?
  @Option(help: "Where to write the alignment table as Markdown.") var alignmentMarkdown: String?
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard !steps.isEmpty else { throw ValidationError("name at least one step folder") }
    guard samples >= 2 else { throw ValidationError("--samples must be at least 2, got \(samples)") }
    guard seed >= 0, seed <= Int(UInt32.max) else {
      throw ValidationError("--seed must be between 0 and 2³² − 1, got \(seed)")
    }
    guard kernelMemoryGib >= 0, kernelMemoryGib.isFinite else {
      throw ValidationError("--kernel-memory-gib must be a number ≥ 0, got \(kernelMemoryGib)")
    }
  }

  func run() throws {
    try KernelSpectrumAnalysis.run(
      truthPath: truth, steps: steps.map { .init(folder: $0, trained: trained) }, infinite: infinite,
      sampleLimit: samples, seed: UInt32(seed), kernelMemory: SVMOptions.bytes(gib: kernelMemoryGib),
      alignmentCSV: alignmentCsv, alignmentMarkdown: alignmentMarkdown, log: logging.log(for: Self.self))
  }
}
