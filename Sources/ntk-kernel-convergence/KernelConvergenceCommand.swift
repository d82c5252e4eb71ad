import ArgumentParser
import KernelConvergenceStage
import StageCLI

struct KernelConvergenceCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-kernel-convergence",
    abstract:
      "How far the finite tangent kernel is from its infinite-width limit as the width grows: "
      + "‖K_n − K∞‖_F / ‖K∞‖_F per layer.",
    discussion: """
      For each width n and seed, draws a student with hidden widths n,…,n (numpy's order, as ntk-init's first \
      step) and compares, on the first N training inputs of the truth file, the finite tangent kernel K_n of each \
      layer W1 … WL, u and of all layers with the infinite-width kernel K∞ at the same scale (n_{l−1}·Θ). Writes \
      the distances, their mean and standard deviation over the seeds and the least-squares slope of log(mean) \
      against log n (about −1/2) to the HDF5 file, and where asked a CSV (a row per layer and width) and a \
      Markdown table.
      """)

  @Option(help: "The ground-truth file (ntk-truth): its first --samples training inputs are the inputs.")
  var truth: String
  @Option(help: "Inputs N: the first N training inputs of the truth file.") var samples = 200
  @Option(help: "Hidden layers L of every student.") var depth = 2
  @Option(
    help: """
      The hidden widths n, comma-separated: one student with hidden widths n,…,n per width and seed (default: \
      25,50,100,200,400,800,1600,3200).
      """)
  var widthsList: Widths?
  @Option(help: "Seeds of numpy's legacy generator, comma-separated: one student per seed and width (default: 0,…,19).")
  var seeds: SeedList?
  @Option(help: "A CSV to write: a row per layer and width (read by plots/kernel-distance-vs-width.gp).")
  var csv: String?
  @Option(help: "A Markdown table to write: a row per width, mean ± std per layer, and the fitted slopes.")
  var markdown: String?
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  var widths: [Int] { widthsList?.values ?? [25, 50, 100, 200, 400, 800, 1600, 3200] }
  var seedValues: [UInt32] { seeds?.values ?? Array(0..<20) }

  func validate() throws {
    guard samples > 0 else { throw ValidationError("--samples must be positive, got \(samples)") }
    guard depth > 0 else { throw ValidationError("--depth must be positive, got \(depth)") }
    guard Set(widths).count == widths.count, widths.count >= 2 else {
      throw ValidationError("--widths-list needs at least two different widths, each once, for a slope")
    }
    guard Set(seedValues).count == seedValues.count else {
      throw ValidationError("--seeds names a seed twice")
    }
  }

  func run() throws {
    let stage = KernelConvergence(
      truthPath: truth, samples: samples, depth: depth, widths: widths, seeds: seedValues)
    try stage.run(
      output: output.output, csvPath: csv, markdownPath: markdown, log: logging.log(for: Self.self))
  }
}

/// Seeds of numpy's legacy generator, "0,1,2": at least one, each 0 ≤ seed < 2³².
struct SeedList: ExpressibleByArgument {
  var values: [UInt32]

  init?(argument: String) {
    let parsed = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      UInt32($0.trimmingCharacters(in: .whitespaces))
    }
    guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
    values = parsed.map { $0! }
  }

  static var defaultValueDescription: String { "seeds 0 ≤ s < 2³² separated by commas" }
}
