import Foundation
import HDF5IO
import Plot
import Tables

/// A sweep's page, `<sweep>/report/index.html`: how far the sweep has got (a line per point: done, stale or
/// missing, with a link to its own report.html), the command that reproduces it, every plot the sweep drew,
/// and its tables — summary.csv (mean ± std over the teacher seeds, sortable), theory-vs-measured.csv where
/// there is one, and measures.csv — each number's exact text in `data-value` (a merged standard deviation's
/// in `data-std`). The tables keep the CSVs' order, so the page is complete and ordered without JavaScript.
public struct SweepPage {
  public var reportFolder: String
  public var name: String
  public var points: [String]
  public var command: String

  /// `points`: the points' run folders.
  public init(reportFolder: String, name: String, points: [String], command: String) {
    self.reportFolder = reportFolder
    self.name = name
    self.command = command
    self.points = points
  }

  /// What each of the sweeps' plots (plots/*.gp) shows; another plot is named by its file.
  static let plotTitles = [
    "test-error-vs-m": "Test error against the number of training samples M",
    "krr-mse-vs-m": "Test MSE of kernel ridge regression with K∞ against M: measured, and the theory per layer",
    "test-error-vs-width": "Test error against the student's width",
    "lazy-regime-vs-width": "Relative weight change and kernel distance of the trained network against the width",
    "alignment-vs-width": "Centred kernel–target alignment against the width, per layer and kernel",
  ]

  func path(_ name: String) -> String { (reportFolder as NSString).appendingPathComponent(name) }
  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

  public func render(written: Date) throws -> String {
    let statuses = try points.map(PointStatus.init(folder:))
    let counts = ["done", "stale", "missing"].map { kind in statuses.filter { $0.status == kind }.count }
    let plots = try FileManager.default.contentsOfDirectory(atPath: reportFolder).filter { $0.hasSuffix(".svg") }
      .sorted()
    let tables: [(file: String, id: String, title: String, text: String)] = [
      (
        "summary.csv", "summary", "Summary",
        "Mean ± standard deviation over the teacher seeds, per point group, step and model."
      ),
      (
        "theory-vs-measured.csv", "theory", "Theory against measurement",
        "The predicted test MSE of krr_infinite against the measured one."
      ),
      ("measures.csv", "measures", "Measures", "The trained baseline's measures and each kernel's alignment."),
    ].filter { exists($0.file) }
    var sections: [Node<HTML.BodyContext>] = [
      .header(
        .h1(.plain("Sweep " + name)),
        .nav(
          .attribute(named: "aria-label", value: "sections"),
          .ul(
            .li(.a(.href("#progress"), "Progress")),
            .if(!plots.isEmpty, .li(.a(.href("#plots"), "Plots"))),
            .forEach(tables) { .li(.a(.href("#" + $0.id), .plain($0.title))) },
            .li(.a(.href("#points"), "Points"))))),
      .section(
        .id("progress"), .h2("Progress"),
        .p(
          .id("progress-line"),
          .plain("\(points.count) points: \(counts[0]) done, \(counts[1]) stale, \(counts[2]) missing.")),
        PageParts.facts([("reproduce", .pre(.plain(command)))]),
        .p(
          .plain("Files: "),
          .group(
            (try FileManager.default.contentsOfDirectory(atPath: reportFolder)).filter {
              !$0.hasPrefix(".") && $0 != "index.html"
            }.sorted().map { .group(.a(.escapedAttribute("href", HTMLEscaping.urlPath($0)), .plain($0)), .text(" ")) }
          ))),
    ]
    if !plots.isEmpty {
      sections.append(
        .section(
          .id("plots"), .h2("Plots"),
          .group(
            try plots.map { plot in
              let title =
                Self.plotTitles[String(plot.dropLast(4))] ?? plot.dropLast(4).replacingOccurrences(of: "-", with: " ")
              return try PageParts.figure(
                svgPath: path(plot), caption: title + " (" + plot + ")",
                alternative: "Plot of the sweep: " + title + ".")
            })))
    }
    for table in tables {
      sections.append(
        .section(
          .id(table.id), .h2(.plain(table.title)),
          .p(.plain(table.text + " From "), .a(.escapedAttribute("href", table.file), .plain(table.file)), .plain(".")),
          PageParts.csvTable(
            try CSVTable(contentsOf: path(table.file)), id: table.id + "-table", caption: table.title, sortable: true,
            factoring: true)))
    }
    sections.append(pointsSection(statuses))
    return PageParts.document(title: "Sweep " + name, sections: sections, written: written)
  }

  private func pointsSection(_ statuses: [PointStatus]) -> Node<HTML.BodyContext> {
    .section(
      .id("points"), .h2("Points"),
      PageParts.box(
        .table(
          .id("points-table"), .class("sortable"), .caption(.plain("Every point of the sweep")),
          .thead(.tr(PageParts.headerCell("point"), PageParts.headerCell("status"), PageParts.headerCell("page"))),
          .tbody(
            .forEach(statuses) { point in
              let link = relativePath(from: reportFolder, to: point.folder)
              return .tr(
                .escapedAttribute("data-status", point.status),
                .td(.a(.escapedAttribute("href", HTMLEscaping.urlPath(link + "/results.csv")), .plain(point.name))),
                .td(
                  PageParts.badge(
                    point.status, point.status == "done" ? "ok" : point.status == "stale" ? "stale" : "unchecked")),
                .td(
                  point.hasPage
                    ? .a(.escapedAttribute("href", HTMLEscaping.urlPath(link + "/report.html")), "report.html")
                    : .plain("no page yet")))
            })),
        label: "Points"))
  }
}

/// A point's state: `missing` (no results.csv), `stale` (an artifact's binary or inputs changed since it was
/// made, CacheRecords), or `done`.
struct PointStatus {
  var folder: String
  var name: String
  var status: String
  var hasPage: Bool

  init(folder: String) throws {
    self.folder = folder
    name = (folder as NSString).lastPathComponent
    let run = RunFolder(path: folder)
    hasPage = run.exists("report.html")
    guard run.exists("results.csv") else {
      status = "missing"
      return
    }
    let records = CacheRecords(folder: folder)
    let stale = run.artifacts(steps: run.stepFolders).contains { records.freshness(of: $0).isStale }
    status = stale ? "stale" : "done"
  }
}

/// The relative path from folder `base` to `target` (both relative to the working folder, or absolute).
func relativePath(from base: String, to target: String) -> String {
  func parts(_ path: String) -> [String] {
    let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (absolute as NSString).standardizingPath.split(separator: "/").map(String.init)
  }
  let from = parts(base)
  let to = parts(target)
  var common = 0
  while common < min(from.count, to.count), from[common] == to[common] { common += 1 }
  let path = Array(repeating: "..", count: from.count - common) + to[common...]
  return path.isEmpty ? "." : path.joined(separator: "/")
}
