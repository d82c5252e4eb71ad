import ArgumentParser
import Foundation
import HTMLReportStage
import StageCLI
import StageSupport
import Tables

struct HTMLReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-html-report",
    abstract: "Write a run's or a sweep's report as one self-contained HTML page.",
    discussion: """
      Offline and complete without JavaScript: the plots are inline, the raw files linked relatively. Every \
      number keeps its exact text from the CSV in data-value. Two pages written from the same files differ only \
      in the line that says when each was written.
      """,
    subcommands: [RunReport.self, SweepReport.self, Progress.self])
}

extension HTMLReportCommand {
  struct RunReport: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run",
      abstract: "Write RUN/report.html from the run's results.csv, alignment.csv, plots and artifacts.",
      discussion: """
        Stale flags, from Make's cache records (pipelines/cache.mk): an artifact RUN/<path> is stale when its \
        stage binary or the content of one of its inputs changed since its stamp RUN/<folder>/.<name>.cmd was \
        written; up to date otherwise; not checked without a stamp (made outside make). Whether the current \
        parameters would rerun it: make status.
        """)

    @Argument(help: "The run folder.") var folder: String
    @Option(help: "A parameter left at its default, NAME=VALUE (repeat).") var parameter: [String] = []
    @Option(help: "A parameter given on make's command line or in the environment, NAME=VALUE (repeat).")
    var given: [String] = []
    @Option(help: "The git commit of the sources, if any.") var commit: String?
    @OptionGroup var logging: LogOptions

    func run() throws {
      func split(_ assignment: String, given: Bool) throws -> RunPage.Parameter {
        guard let equals = assignment.firstIndex(of: "=") else {
          throw ValidationError("a parameter is NAME=VALUE, got '\(assignment)'")
        }
        return .init(
          name: String(assignment[..<equals]), value: String(assignment[assignment.index(after: equals)...]),
          given: given)
      }
      let parameters = try given.map { try split($0, given: true) } + parameter.map { try split($0, given: false) }
      let page = RunPage(folder: folder, parameters: parameters, commit: commit)
      let output = (folder as NSString).appendingPathComponent("report.html")
      try writeTogether([(try page.render(written: Date()), output)])
      logging.log(for: HTMLReportCommand.self)("→ \(output)")
    }
  }

  struct SweepReport: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sweep",
      abstract: "Write <report folder>/index.html from the sweep report's CSV files, plots and points.")

    @Argument(help: "The sweep's report folder (ntk-sweep-report's output).") var folder: String
    @Option(help: "The sweep's name.") var name: String
    @Option(help: "The command that reproduces the sweep.") var command: String
    @Option(
      parsing: .upToNextOption, help: "The points' run folders.")
    var points: [String] = []
    @OptionGroup var logging: LogOptions

    func run() throws {
      let page = SweepPage(reportFolder: folder, name: name, points: points, command: command)
      let output = (folder as NSString).appendingPathComponent("index.html")
      try writeTogether([(try page.render(written: Date()), output)])
      logging.log(for: HTMLReportCommand.self)("→ \(output)")
    }
  }

  struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "progress",
      abstract: "Mark a sweep's point started or finished; when one finishes, print the sweep's progress on stderr.",
      discussion: """
        The line: points done out of the total, the ones running, the time since the first point of this make \
        started, and an estimate of the time left from the finished points' durations per training sample (M \
        from the point's name, M-<m>), for the points not finished, divided among those running.
        """)

    @Option(help: "The sweep's name.") var name: String
    @Option(help: "The folder of the marks (<point>.start, <point>.done).") var marks: String
    @Option(help: "Seconds since 1970 when this make started: older marks do not count.") var since: Double
    @Option(help: "Mark this point started.") var start: String?
    @Option(help: "Mark this point finished and print the line.") var finish: String?
    @Option(parsing: .upToNextOption, help: "Every point of the sweep (its folder or name).") var points: [String]

    func validate() throws {
      guard (start == nil) != (finish == nil) else { throw ValidationError("give one of --start and --finish") }
    }

    func run() throws {
      let progress = SweepProgress(name: name, folder: marks, points: points, since: since)
      if let start {
        try progress.start(start)
      } else if let finish {
        writeToStandardError(try progress.finish(finish) + "\n")
      }
    }
  }
}
