import ArgumentParser
import StageCLI
import SweepReportStage

struct SweepReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-sweep-report",
    abstract:
      "Collect the errors of a sweep's points (run folders) into CSV and Markdown, with mean ± std over teacher seeds.",
    discussion: """
      Each point is a run folder of the layer-wise pipeline (truth.h5, <step>/network.h5, <step>/eval.h5), named by \
      its steps' result files (eval.h5, the baselines' infinite.h5 and trained.h5, and spectrum.h5) in the order \
      the point chained them; its parameters come from the files' provenance attributes. Writes, each \
      atomically, into the output folder: results.csv (a row per point, step and model), summary.csv (mean and \
      sample standard deviation over teacher seeds — split seeds over an imported data set — grouped by the \
      other parameters, step and model; read by plots/*.gp), results.md (the summary as Markdown) and \
      measures.csv (the same statistics of the trained baseline's relative weight change and kernel distance, \
      and of each kernel's alignment and centred alignment from spectrum.h5; read by \
      plots/lazy-regime-vs-width.gp and alignment-vs-width.gp).
      """)

  @Argument(
    help: "The result files of every point, <point>/<step>/eval.h5 (and the baselines', spectrum.h5), steps in order.")
  var results: [String]
  @Option(
    name: [.customShort("o"), .long],
    help: "The folder to write results.csv, summary.csv, results.md and measures.csv into.")
  var output: String
  @Option(help: "The sweep's name, for the Markdown title (default: the name of the output folder's parent).")
  var name: String?
  @Option(
    parsing: .upToNextOption,
    help: """
      Theory files of kernel ridge regression (ntk-theory-curve), one per step and teacher seed: writes \
      theory-vs-measured.csv and theory-curve.csv beside the report.
      """)
  var theory: [String] = []
  @OptionGroup var logging: LogOptions

  func validate() throws {
    guard !results.isEmpty else { throw ValidationError("name at least one result file") }
  }

  func run() throws {
    try SweepReport(resultPaths: results, name: name, theoryPaths: theory).run(
      outputDirectory: output, log: logging.log(for: Self.self))
  }
}
