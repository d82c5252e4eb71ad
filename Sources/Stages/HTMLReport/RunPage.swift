import Artifacts
import Foundation
import HDF5IO
import Plot
import Tables

/// A run's page, `RUN/report.html`: what ran (the `make` command that reproduces it, every parameter, the
/// version and commit), the results and alignment tables as in results.csv and alignment.csv (each number's
/// exact text in `data-value`), a section per step, and the provenance of every artifact.
public struct RunPage {
  /// A Make parameter, its value, and whether it was given (on the command line or in the environment)
  /// rather than left at its default.
  public struct Parameter: Sendable {
    public var name: String
    public var value: String
    public var given: Bool
    public init(name: String, value: String, given: Bool) {
      self.name = name
      self.value = value
      self.given = given
    }
  }

  public var folder: String
  public var parameters: [Parameter]
  public var commit: String?
  public init(folder: String, parameters: [Parameter], commit: String?) {
    self.folder = folder
    self.parameters = parameters
    self.commit = commit
  }

  var run: RunFolder { RunFolder(path: folder) }
  func path(_ name: String) -> String { run.file(name) }
  func exists(_ name: String) -> Bool { run.exists(name) }

  /// The page, written at `written`.
  public func render(written: Date) throws -> String {
    let results = try CSVTable(contentsOf: path("results.csv"))
    let steps = try stepFolders(results: results)
    let records = CacheRecords(folder: folder)
    let artifacts = try run.artifacts(steps: steps.map(\.folder)).map {
      try ArtifactProvenance(relativePath: $0, in: folder, records: records)
    }
    let summaries = try steps.map { try StepSummary(label: $0.label, relativeFolder: $0.folder, in: folder) }
    var sections: [Node<HTML.BodyContext>] = [
      .header(
        .h1(.plain("Run " + folder)),
        .p(
          .class("muted"),
          .plain("Layer-wise learning with neural-tangent features: the run's results and where each came from.")),
        .nav(
          .attribute(named: "aria-label", value: "sections"),
          .ul(
            .li(.a(.href("#results"), "Results")),
            .if(exists("alignment.csv"), .li(.a(.href("#alignment"), "Alignment"))),
            .li(.a(.href("#what-ran"), "What ran")), .li(.a(.href("#steps"), "Steps")),
            .li(.a(.href("#provenance"), "Provenance"))))),
      .section(
        .id("results"), .h2("Results"),
        .p(
          .plain(
            "Each cell is the 0-1 error on the training set, then on the test set, rounded; the exact values "
              + "are those of "), .a(.href("results.csv"), "results.csv"),
          .plain(". (Nyström) marks an approximate model, (leaked) a test error that used the test labels.")),
        ResultsTable(csv: results).node),
    ]
    if exists("alignment.csv") {
      sections.append(
        .section(
          .id("alignment"), .h2("Alignment"),
          .p(
            .plain("Kernel–target alignment of each step's kernels, as in "),
            .a(.href("alignment.csv"), "alignment.csv"),
            .plain(".")),
          PageParts.csvTable(
            try CSVTable(contentsOf: path("alignment.csv")), id: "alignment-table",
            caption: "Alignment per step and kernel",
            sortable: true)))
    }
    // The results first: the command and the parameters that made them, a long table, after.
    sections.append(whatRan)
    sections.append(.section(.id("steps"), .h2("Steps"), .group(summaries.map(\.section))))
    sections.append(provenance(artifacts))
    return PageParts.document(title: "Run " + folder, sections: sections, written: written)
  }

  /// The command that reproduces the run: make with every parameter given and the goals whose outputs exist.
  var makeCommand: String {
    let goals = [
      ("spectrum.svg", "spectra"), ("training-curve.svg", "training-curves"), ("theory.h5", "theory-curves"),
    ]
    .filter { file in run.stepFolders.contains { exists($0 + "/" + file.0) } }.map(\.1)
    return (["make"] + parameters.filter(\.given).map { shellWord("\($0.name)=\($0.value)") } + goals)
      .joined(separator: " ")
  }

  private var whatRan: Node<HTML.BodyContext> {
    .section(
      .id("what-ran"), .h2("What ran"),
      PageParts.facts(
        [
          ("reproduce", .pre(.plain(makeCommand))),
          ("program version", .plain("ntk-pipeline " + Provenance.version)),
          ("git commit", .plain(commit.flatMap { $0.isEmpty ? nil : $0 } ?? "none (not a git checkout)")),
        ]),
      PageParts.box(
        .table(
          .class("plain"), .caption(.plain("Parameters")),
          .thead(.tr(PageParts.headerCell("parameter"), PageParts.headerCell("value"), PageParts.headerCell("set"))),
          .tbody(
            .forEach(parameters) { parameter in
              .tr(
                .th(.attribute(named: "scope", value: "row"), PageParts.code(parameter.name)),
                .td(PageParts.code(parameter.value)), .td(.plain(parameter.given ? "given" : "default")))
            })),
        label: "Parameters"))
  }

  private func provenance(_ artifacts: [ArtifactProvenance]) -> Node<HTML.BodyContext> {
    let stale = artifacts.filter(\.freshness.isStale).count
    let unchecked = artifacts.filter { if case .unchecked = $0.freshness { true } else { false } }.count
    let summary =
      "\(artifacts.count) artifacts: \(stale) stale against the current parameters"
      + (unchecked > 0 ? ", \(unchecked) not checked (no stamp: made outside make)." : ".")
    let tables = ["results.csv", "results.md", "alignment.csv", "alignment.md"].filter(exists)
    return .section(
      .id("provenance"), .h2("Provenance"),
      .p(.id("stale-summary"), .escapedAttribute("data-stale", "\(stale)"), .plain(summary)),
      .p(.plain("Tables: "), .group(tables.map { .group(.a(.escapedAttribute("href", $0), .plain($0)), .text(" ")) })),
      PageParts.box(
        .table(
          .id("artifacts-table"), .class("plain"), .caption(.plain("Artifacts")),
          .thead(
            .tr(
              PageParts.headerCell("file"), PageParts.headerCell("program"), PageParts.headerCell("written"),
              PageParts.headerCell("against the current parameters"))),
          .tbody(
            .forEach(artifacts) { artifact in
              .tr(
                .td(.a(.href("#" + artifact.anchor), .plain(artifact.relativePath))),
                .td(PageParts.code(artifact.program)),
                .td(.plain(artifact.created)), .td(artifact.freshness.badge))
            })),
        label: "Artifacts"),
      .group(artifacts.map(\.section)))
  }

  /// Each step's label (as in results.csv) and folder: the run's folders holding an eval.h5, in the order of
  /// results.csv.
  private func stepFolders(results: CSVTable) throws -> [(label: String, folder: String)] {
    let labels = (results.fields("step") ?? []).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let labelled = try run.stepFolders.map {
      (label: try HDF5File.open(path($0 + "/eval.h5")).string("layer_label"), folder: $0)
    }
    return labels.compactMap { label in labelled.first { $0.label == label } }
  }
}

/// `word` as one shell word: as it is when it holds only safe characters, else in single quotes.
func shellWord(_ word: String) -> String {
  let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,:=+-@%")
  guard word.unicodeScalars.contains(where: { !safe.contains($0) }) || word.isEmpty else { return word }
  return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
