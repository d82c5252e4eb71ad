import ArgumentParser
import ReportStage
import StageCLI

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-report",
    abstract: "Print a run's table (Markdown, on stdout) and write it as CSV.",
    discussion: """
      With --alignment-csv or --alignment-markdown the files are the steps' spectrum files (ntk-spectrum) and \
      the table is that of the kernels' alignments (step, kernel, alignment, centred_alignment, samples).
      """)

  @Argument(help: "The evaluation files (ntk-evaluate), one per step, in order, and the steps' baseline files.")
  var results: [String]
  @Option(help: "Where to write the CSV (step,model,train_error,test_error).") var csv: String?
  @Option(help: "Where to write the Markdown table (also printed on stdout).") var markdown: String?
  @Option(help: "Where to write the alignment table as CSV (the files are spectrum files).") var alignmentCsv: String?
  @Option(help: "Where to write the alignment table as Markdown.") var alignmentMarkdown: String?
  @OptionGroup var logging: LogOptions

  var alignment: Bool { alignmentCsv != nil || alignmentMarkdown != nil }

  func validate() throws {
    guard !results.isEmpty else { throw ValidationError("name at least one evaluation file") }
    guard !alignment || (csv == nil && markdown == nil) else {
      throw ValidationError("--csv and --markdown write the results table: not with --alignment-csv or --alignment-markdown")
    }
  }

  func run() throws {
    let log = logging.log(for: Self.self)
    if alignment {
      let report = AlignmentReport(spectrumPaths: results)
      print(try report.run(csvPath: alignmentCsv, markdownPath: alignmentMarkdown, log: log), terminator: "")
      return
    }
    let report = Report(resultPaths: results)
    print(try report.run(csvPath: csv, markdownPath: markdown, log: log), terminator: "")
  }
}
