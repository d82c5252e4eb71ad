import ArgumentParser
import Stages

public struct SweepReportCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-sweep-report",
    abstract: "Collect the errors of a sweep's points (run folders) into CSV and Markdown, with mean ± std over teacher seeds.",
    discussion: """
      Each point is a run folder of the layer-wise pipeline (truth.h5, <step>/network.h5, <step>/eval.h5); \
      its parameters come from the files' provenance attributes. Writes, each atomically, into the output folder: \
      results.csv (a row per point, step and model), summary.csv (mean and sample standard deviation over \
      teacher seeds, grouped by the other parameters, step and model; read by plots/*.gp) and results.md.
      """)

  @Argument(help: "The point folders (run folders), in any order.") var points: [String]
  @Option(name: [.customShort("o"), .long], help: "The folder to write results.csv, summary.csv and results.md into.")
  var output: String
  @Option(help: "The sweep's name, for the Markdown title (default: the name of the output folder's parent).")
  var name: String?
  @Flag(name: .long, help: "Print no progress or log lines on stderr.") var quiet = false

  public init() {}

  public func validate() throws {
    guard !points.isEmpty else { throw ValidationError("name at least one point folder") }
  }

  public func run() throws {
    let log = StageLog(program: "ntk-sweep-report", quiet: quiet)
    try SweepReport(pointDirectories: points, name: name).run(outputDirectory: output, log: log)
  }
}
