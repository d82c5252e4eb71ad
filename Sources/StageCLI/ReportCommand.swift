import ArgumentParser
import Stages

public struct ReportCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-report",
    abstract: "Print a run's table (Markdown, on stdout) and write it as CSV.")

  @Argument(help: "The evaluation files (ntk-evaluate), one per step, in order.") var evaluations: [String]
  @Option(help: "Where to write the CSV (step,model,train_error,test_error).") var csv: String?
  @Option(help: "Where to write the Markdown table (also printed on stdout).") var markdown: String?

  public init() {}

  public func validate() throws {
    guard !evaluations.isEmpty else { throw ValidationError("name at least one evaluation file") }
  }

  public func run() throws {
    print(try Report(evaluationPaths: evaluations).run(csvPath: csv, markdownPath: markdown), terminator: "")
  }
}
