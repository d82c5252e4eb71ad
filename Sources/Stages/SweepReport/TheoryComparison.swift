import Artifacts
import Foundation
import NTKMath
import StageSupport
import Tables

/// The kernel-regression theory beside the measured krr_infinite: for each
/// summary row of krr_infinite (a step at one M, over its teacher seeds), the
/// predicted test MSE of each seed's theory file (TheoryCurveArtifact: the
/// step's K∞ on that seed's held-out samples) at that M, averaged over the
/// seeds, and its ratio to the measured mean; and the predicted curve on a
/// log grid over the measured M for the plot.
public struct TheoryComparison: Sendable {
  public struct Point: Equatable, Sendable {
    public var parameters: SweepParameters
    public var step: String
    public var approximate: Bool
    public var teacherSeeds: [Int]
    public var predicted: Double
    public var measured: MeanAndDeviation
    public var ratio: Double { predicted / measured.mean }
  }

  public struct CurvePoint: Equatable, Sendable {
    public var layers: [String]
    public var step: String
    public var m: Int
    public var predicted: Double
    public var seeds: Int
  }

  public var points: [Point] = []
  public var curve: [CurvePoint] = []

  /// Grid points of the drawn curve per doubling.
  static let gridPerDoubling = 8.0

  public init(summary: [SweepSummaryRow], theoryPaths: [String]) throws {
    var theories: [String: TheoryCurveArtifact] = [:]
    for path in theoryPaths {
      let theory = try TheoryCurveArtifact(path: path)
      let key = "\(theory.layerLabel) \(theory.teacherSeed)"
      guard theories[key] == nil else {
        throw StageError(
          "\(path): a second theory file for step \(theory.layerLabel), teacher seed \(theory.teacherSeed)")
      }
      theories[key] = theory
    }
    func theory(_ row: SweepSummaryRow, _ seed: Int) throws -> TheoryCurveArtifact {
      guard let theory = theories["\(row.step) \(seed)"] else {
        throw StageError("no theory file (ntk-theory-curve) for step \(row.step), teacher seed \(seed)")
      }
      guard theory.hiddenWidths == row.parameters.widths else {
        throw StageError(
          "\(theory.path): widths \(theory.hiddenWidths), but the points of step \(row.step) have "
            + "\(row.parameters.widths)")
      }
      return theory
    }
    func predicted(_ row: SweepSummaryRow, m: Int) throws -> Double {
      let values = try row.teacherSeeds.map { seed in
        let t = try theory(row, seed)
        return t.curve.prediction(samples: m, ridge: t.ridge).meanSquaredError
      }
      return values.reduce(0, +) / Double(values.count)
    }
    let rows = summary.filter { $0.model == .krrInfinite && !$0.testMSE.mean.isNaN }
    points = try rows.map { row in
      Point(
        parameters: row.parameters, step: row.step, approximate: row.approximate, teacherSeeds: row.teacherSeeds,
        predicted: try predicted(row, m: row.parameters.trainSamples), measured: row.testMSE)
    }
    // One curve per layers and step, from half a doubling below the smallest M to above the largest.
    var seen: [[String]] = []
    for row in rows where !seen.contains(row.parameters.layers + [row.step]) {
      seen.append(row.parameters.layers + [row.step])
      let group = rows.filter { $0.parameters.layers == row.parameters.layers && $0.step == row.step }
      let sizes = group.map(\.parameters.trainSamples)
      let (low, high) = (Double(sizes.min()!) / 2.squareRoot(), Double(sizes.max()!) * 2.squareRoot())
      let count = Int((log2(high / low) * Self.gridPerDoubling).rounded(.up))
      var grid: [Int] = []
      for k in 0...count {
        let m = Int((low * pow(high / low, Double(k) / Double(max(count, 1)))).rounded())
        if m >= 1 && grid.last != m { grid.append(m) }
      }
      for m in grid {
        curve.append(
          CurvePoint(
            layers: row.parameters.layers, step: row.step, m: m, predicted: try predicted(row, m: m),
            seeds: row.teacherSeeds.count))
      }
    }
  }

  public static let pointColumns = [
    "layers", "step", "model", "m", "predicted_mse", "measured_mse_mean", "measured_mse_std", "ratio", "n_seeds",
    "teacher_seeds",
  ]
  public static let curveColumns = ["layers", "step", "m", "predicted_mse", "n_seeds"]

  public var pointsCSV: String {
    var csv = CSVTable(columns: Self.pointColumns)
    for p in points {
      csv.append([
        p.parameters.layers.joined(separator: " "), p.step, "krr_infinite" + (p.approximate ? "_nystrom" : ""),
        "\(p.parameters.trainSamples)", format(p.predicted), format(p.measured.mean),
        format(p.measured.standardDeviation), format(p.ratio), "\(p.teacherSeeds.count)",
        p.teacherSeeds.map { "\($0)" }.joined(separator: " "),
      ])
    }
    return csv.text
  }

  public var curveCSV: String {
    var csv = CSVTable(columns: Self.curveColumns)
    for c in curve {
      csv.append([c.layers.joined(separator: " "), c.step, "\(c.m)", format(c.predicted), "\(c.seeds)"])
    }
    return csv.text
  }

  /// The comparison as a Markdown section of the report.
  public var markdown: String {
    var table = MarkdownTable(headers: ["step", "M", "predicted MSE", "measured MSE", "predicted / measured"])
    for p in points {
      table.append([
        p.step + (p.approximate ? " (Nyström)" : ""), "\(p.parameters.trainSamples)",
        format(rounded(p.predicted, significantDigits: 4)), SweepReport.display(p.measured),
        format(rounded(p.ratio, significantDigits: 3)),
      ])
    }
    return "\n## Kernel ridge regression with K∞: predicted and measured test MSE\n\n"
      + "Predicted: the spectral theory (ntk-theory-curve) of each seed's K∞ on held-out samples, "
      + "averaged over the seeds; measured: krr_infinite, mean ± std over the seeds.\n\n" + table.text
  }
}
