import Artifacts
import StageSupport
import Tables

/// The mean and the sample standard deviation (n − 1) of the reported values;
/// NaN (not reported) values are left out. The mean is NaN when nothing was
/// reported, the deviation when fewer than two values were.
public struct MeanAndDeviation: Equatable, Sendable {
  public var count: Int
  public var mean: Double
  public var standardDeviation: Double

  public init(_ values: [Double]) {
    let reported = values.filter { !$0.isNaN }
    count = reported.count
    // Equal values (as often: a train error of 0 for every seed) give exactly
    // that value and a deviation of exactly 0, not a sum's rounding noise.
    if let first = reported.first, reported.allSatisfy({ $0 == first }) {
      mean = first
    } else {
      mean = reported.isEmpty ? .nan : reported.reduce(0, +) / Double(reported.count)
    }
    if reported.count < 2 {
      standardDeviation = .nan
    } else {
      let m = mean
      standardDeviation = (reported.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(reported.count - 1)).squareRoot()
    }
  }
}

/// One line of the summary: a model at a step, over the teacher seeds of the
/// points that share every other parameter.
public struct SweepSummaryRow: Equatable, Sendable {
  public var parameters: SweepParameters
  public var step: String
  public var model: Model
  /// The test errors leaked (see ModelResult).
  public var leaked: Bool
  /// An approximation of the model (see ModelResult): ntk_infinite by Nyström.
  public var approximate = false
  public var teacherSeeds: [Int]
  public var train: MeanAndDeviation
  public var test: MeanAndDeviation
  /// The test MSE of a real-valued model (krr_infinite); NaN mean for the others.
  public var testMSE = MeanAndDeviation([])
  /// The solvers of the group's rows (SweepRow.solver), each once, in order of appearance: one,
  /// unless the seeds' points were trained differently.
  public var solvers: [String] = [SweepReport.noSolver]
}

extension SweepReport {
  /// Rows in report order: by layers (as first seen), step (in point order),
  /// model, then d, teacher widths, initial seeds, M_test, widths, M and
  /// teacher seed — so each curve's points are consecutive, by increasing
  /// width and M.
  public static func ordered(_ rows: [SweepRow]) -> [SweepRow] {
    var layersRank: [[String]: Int] = [:]
    for row in rows where layersRank[row.parameters.layers] == nil {
      layersRank[row.parameters.layers] = layersRank.count
    }
    func key(_ row: SweepRow) -> [[Int]] {
      let p = row.parameters
      return [
        [layersRank[p.layers]!], [p.layers.firstIndex(of: row.step) ?? p.layers.count],
        [Model.allCases.firstIndex(of: row.result.model)!, row.result.approximate ? 1 : 0, row.result.leaked ? 1 : 0],
        [p.inputDimension], p.teacherWidths, p.initSeeds, [p.testSamples], p.widths, [p.trainSamples],
        [row.teacherSeed],
      ]
    }
    return rows.enumerated().sorted { a, b in
      let (ka, kb) = (key(a.element), key(b.element))
      return ka == kb ? a.offset < b.offset : ka.lexicographicallyPrecedes(kb) { $0.lexicographicallyPrecedes($1) }
    }.map(\.element)
  }

  /// Groups rows by every parameter but the teacher seed, then step and model,
  /// in the order of first appearance, and averages over the teacher seeds.
  public static func summarize(_ rows: [SweepRow]) throws -> [SweepSummaryRow] {
    struct Key: Hashable {
      var parameters: SweepParameters
      var step: String
      var model: Model
      var leaked: Bool
      var approximate: Bool
    }
    var keys: [Key] = []
    var groups: [Key: [SweepRow]] = [:]
    for row in rows {
      let key = Key(
        parameters: row.parameters, step: row.step, model: row.result.model, leaked: row.result.leaked,
        approximate: row.result.approximate)
      if groups[key] == nil { keys.append(key) }
      if groups[key, default: []].contains(where: { $0.teacherSeed == row.teacherSeed }) {
        throw StageError(
          "two points with the same parameters and teacher seed \(row.teacherSeed) "
            + "(step \(row.step), model \(row.result.csvName)): each is counted once")
      }
      groups[key, default: []].append(row)
    }
    return keys.map { key in
      let group = groups[key]!
      return SweepSummaryRow(
        parameters: key.parameters, step: key.step, model: key.model, leaked: key.leaked,
        approximate: key.approximate, teacherSeeds: group.map(\.teacherSeed),
        train: MeanAndDeviation(group.map(\.result.trainError)), test: MeanAndDeviation(group.map(\.result.testError)),
        testMSE: MeanAndDeviation(group.map(\.result.testMSE)),
        solvers: group.map(\.solver).reduce(into: []) { seen, solver in
          if !seen.contains(solver) { seen.append(solver) }
        })
    }
  }
}

/// One line of the measures' summary: a measure at a step, over the teacher
/// seeds of the points that share every other parameter.
public struct SweepMeasureSummary: Equatable, Sendable {
  public var parameters: SweepParameters
  public var step: String
  public var name: String
  public var teacherSeeds: [Int]
  public var value: MeanAndDeviation
}

extension SweepReport {
  /// Groups measures by every parameter but the teacher seed, then step and
  /// name, and averages over the teacher seeds; each curve's points (a step's
  /// measure) consecutive, by increasing width and M, as plots draw them.
  public static func summarize(_ measures: [SweepMeasure]) -> [SweepMeasureSummary] {
    struct Key: Hashable {
      var parameters: SweepParameters
      var step: String
      var name: String
    }
    var keys: [Key] = []
    var groups: [Key: [SweepMeasure]] = [:]
    for measure in measures {
      let key = Key(parameters: measure.parameters, step: measure.step, name: measure.name)
      if groups[key] == nil { keys.append(key) }
      groups[key, default: []].append(measure)
    }
    var names: [String] = []
    for measure in measures where !names.contains(measure.name) { names.append(measure.name) }
    func order(_ key: Key) -> [[Int]] {
      let p = key.parameters
      return [
        [p.layers.firstIndex(of: key.step) ?? p.layers.count, names.firstIndex(of: key.name)!], [p.inputDimension],
        p.teacherWidths, p.initSeeds, [p.testSamples], p.widths, [p.trainSamples],
      ]
    }
    keys = keys.enumerated().sorted { a, b in
      let (ka, kb) = (order(a.element), order(b.element))
      return ka == kb ? a.offset < b.offset : ka.lexicographicallyPrecedes(kb) { $0.lexicographicallyPrecedes($1) }
    }.map(\.element)
    return keys.map { key in
      let group = groups[key]!
      return SweepMeasureSummary(
        parameters: key.parameters, step: key.step, name: key.name, teacherSeeds: group.map(\.teacherSeed),
        value: MeanAndDeviation(group.map(\.value)))
    }
  }
}
