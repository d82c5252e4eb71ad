import ArgumentParser
import ReportStage
import StageCLI

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-report",
    abstract: "Print a run's table (Markdown, on stdout) and write it as CSV.")

  @Argument(help: "The evaluation files (ntk-evaluate), one per step, in order, and the steps' baseline files.")
  var results: [String]
  @Option(help: "Where to write the CSV (step,model,train_error,test_error).") var csv: String?
  @Option(help: "Where to write the Markdown table (also printed on stdout).") var markdown: String?
  @OptionGroup var logging: LogOptions

  func validate() throws {
    guard !results.isEmpty else { throw ValidationError("name at least one evaluation file") }
  }

  func run() throws {
    let report = Report(resultPaths: results)
    print(try report.run(csvPath: csv, markdownPath: markdown, log: logging.log(for: Self.self)), terminator: "")
  }
}
