import Artifacts
import Foundation
import StageSupport
import Tables

/// Stage 7: the report of a sweep — many runs of the layer-wise pipeline
/// (points) that differ in their parameters and teacher seed. Reads each
/// point's steps' result files (`<point>/<step>/eval.h5` and the baselines',
/// the steps in the order the point chained them) with their networks and the
/// point's truth (and each step's spectrum.h5, whose alignments are measures), and writes to the output
/// folder, each file atomically (see SweepTables):
///
///     results.csv   a row per point, step and model, the point's parameters as columns
///     summary.csv   a row per group of points that differ only in the teacher seed, step
///                   and model: mean and sample standard deviation (read by plots/*.gp)
///     results.md    the summary as a Markdown table, mean ± std
///     measures.csv  the trained baseline's relative weight change and kernel distance, and each
///                   kernel's alignment_<kernel> and centred_alignment_<kernel> (spectrum.h5), mean and std
///
/// and, given theory files (ntk-theory-curve, `theoryPaths`), TheoryComparison's
///
///     theory-vs-measured.csv  per krr_infinite summary row: predicted and measured test MSE, their ratio
///     theory-curve.csv        the predicted test MSE on a log grid of m over the measured M, per step
///
/// with the comparison appended to results.md.
public struct SweepReport: Sendable {
  /// The result files of every point, each point's steps in order.
  public var resultPaths: [String]
  /// The sweep's name, for the Markdown title (default: the folder holding the output folder).
  public var name: String?
  /// The theory curves of kernel ridge regression (ntk-theory-curve), per step and teacher seed.
  public var theoryPaths: [String]

  public init(resultPaths: [String], name: String? = nil, theoryPaths: [String] = []) {
    self.resultPaths = resultPaths
    self.name = name
    self.theoryPaths = theoryPaths
  }

  /// Reads every point, writes the three files into `outputDirectory`, and returns the summary.
  @discardableResult
  public func run(outputDirectory: String, log: StageLog) throws -> [SweepSummaryRow] {
    var points: [String: [String]] = [:]
    var order: [String] = []
    for path in resultPaths {
      let point = Self.pointDirectory(of: path)
      if points[point] == nil { order.append(point) }
      points[point, default: []].append(path)
    }
    guard !order.isEmpty else { throw StageError("no sweep points to report") }
    let read = try order.map { try Self.readPoint(files: points[$0]!) }
    let rows = Self.ordered(read.flatMap(\.rows))
    let summary = try Self.summarize(rows)
    let measures = Self.summarize(read.flatMap(\.measures))
    let title =
      name ?? URL(fileURLWithPath: outputDirectory).standardizedFileURL.deletingLastPathComponent().lastPathComponent
    let theory = theoryPaths.isEmpty ? nil : try TheoryComparison(summary: summary, theoryPaths: theoryPaths)
    try writeTogether(
      [
        (Self.resultsCSV(rows), outputDirectory + "/results.csv"),
        (Self.summaryCSV(summary), outputDirectory + "/summary.csv"),
        (Self.markdown(summary, title: title) + (theory?.markdown ?? ""), outputDirectory + "/results.md"),
        (Self.measuresCSV(measures), outputDirectory + "/measures.csv"),
      ]
        + (theory.map {
          [
            ($0.pointsCSV, outputDirectory + "/theory-vs-measured.csv"),
            ($0.curveCSV, outputDirectory + "/theory-curve.csv"),
          ]
        } ?? []))
    log("\(order.count) points, \(rows.count) rows, \(summary.count) groups → \(outputDirectory)")
    return summary
  }
}
