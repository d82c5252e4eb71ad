import Artifacts
import Foundation
import HDF5IO

/// The parameters of a sweep point other than its teacher seed: the points
/// that share them differ only in the teacher (and its data), and their
/// errors are averaged.
public struct SweepParameters: Hashable, Sendable {
  /// The steps of the point, in order (LAYERS), e.g. ["W", "V", "u"] or ["all"].
  public var layers: [String]
  /// The seed of each step's initial network (INIT_SEEDS).
  public var initSeeds: [Int]
  /// The input dimension d.
  public var inputDimension: Int
  /// The teacher's hidden widths.
  public var teacherWidths: [Int]
  /// The training samples M.
  public var trainSamples: Int
  /// The test samples M_test.
  public var testSamples: Int
  /// The student's hidden widths.
  public var widths: [Int]

  public init(
    layers: [String], initSeeds: [Int], inputDimension: Int, teacherWidths: [Int], trainSamples: Int,
    testSamples: Int, widths: [Int]
  ) {
    self.layers = layers
    self.initSeeds = initSeeds
    self.inputDimension = inputDimension
    self.teacherWidths = teacherWidths
    self.trainSamples = trainSamples
    self.testSamples = testSamples
    self.widths = widths
  }
}

/// The errors of one model at one step of one sweep point.
public struct SweepRow: Equatable, Sendable {
  public var parameters: SweepParameters
  public var teacherSeed: Int
  public var step: String
  public var model: String
  public var trainError: Double
  public var testError: Double

  public init(parameters: SweepParameters, teacherSeed: Int, step: String, model: String, trainError: Double, testError: Double) {
    self.parameters = parameters
    self.teacherSeed = teacherSeed
    self.step = step
    self.model = model
    self.trainError = trainError
    self.testError = testError
  }
}

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
  public var model: String
  public var teacherSeeds: [Int]
  public var train: MeanAndDeviation
  public var test: MeanAndDeviation
}

/// Stage 7: the report of a sweep — many runs of the layer-wise pipeline
/// (points) that differ in their parameters and teacher seed. Reads each
/// point's truth.h5, <step>/network.h5 (provenance attributes) and
/// <step>/eval.h5, and writes to the output folder, each file atomically:
///
///     results.csv   a row per point, step and model, the point's parameters as columns:
///                   layers, init_seeds, d, teacher_widths, m, m_test, teacher_seed, widths,
///                   step, model, train_error, test_error
///     summary.csv   a row per group of points that differ only in the teacher seed, step
///                   and model: the parameters, width (the widest hidden layer), then
///                   train_error_mean, train_error_std, test_error_mean, test_error_std
///                   (sample standard deviation), n_seeds, teacher_seeds (read by plots/*.gp)
///     results.md    the summary as a Markdown table, mean ± std
///
/// Numbers are shortest round-trip decimals, NaN (not reported, or no
/// deviation of a single seed) an empty field, as in the run's table; lists
/// (layers, seeds, widths) are space-separated, so no field needs quoting.
public struct SweepReport: Sendable {
  public var pointDirectories: [String]
  /// The sweep's name, for the Markdown title (default: the folder holding the output folder).
  public var name: String?

  public init(pointDirectories: [String], name: String? = nil) {
    self.pointDirectories = pointDirectories
    self.name = name
  }

  public static let resultsColumns = [
    "layers", "init_seeds", "d", "teacher_widths", "m", "m_test", "teacher_seed", "widths", "step", "model",
    "train_error", "test_error",
  ]
  /// The counts last: gnuplot skips a CSV row whose last field is empty (a std of one seed).
  public static let summaryColumns = [
    "layers", "init_seeds", "d", "teacher_widths", "m", "m_test", "widths", "width", "step", "model",
    "train_error_mean", "train_error_std", "test_error_mean", "test_error_std", "n_seeds", "teacher_seeds",
  ]

  /// Reads every point, writes the three files into `outputDirectory`, and returns the summary.
  @discardableResult
  public func run(outputDirectory: String, log: StageLog) throws -> [SweepSummaryRow] {
    guard !pointDirectories.isEmpty else { throw StageError("no sweep points to report") }
    var rows: [SweepRow] = []
    for directory in pointDirectories { rows += try Self.readPoint(directory) }
    let ordered = Self.ordered(rows)
    let summary = try Self.summarize(ordered)
    let title = name ?? URL(fileURLWithPath: outputDirectory).standardizedFileURL.deletingLastPathComponent().lastPathComponent
    try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
    try writeTogether([
      (Self.resultsCSV(ordered), outputDirectory + "/results.csv"),
      (Self.summaryCSV(summary), outputDirectory + "/summary.csv"),
      (Self.markdown(summary, title: title), outputDirectory + "/results.md"),
    ])
    log("\(pointDirectories.count) points, \(ordered.count) rows, \(summary.count) groups → \(outputDirectory)")
    return summary
  }

  // MARK: Reading a point

  /// The rows of one point folder: its parameters from the provenance
  /// attributes of truth.h5 and of each step's network.h5, its errors from
  /// each step's eval.h5, the steps in the order they were chained.
  public static func readPoint(_ directory: String) throws -> [SweepRow] {
    let truthPath = directory + "/truth.h5"
    let truth = try HDF5File.open(truthPath)
    try expect(truth, artifact: TruthArtifact.kind)
    let d = try truth.integer("input_dimension")
    let m = try truth.integer("train_samples")
    let mTest = try truth.integer("test_samples")
    let teacherSeed = try truth.integer("seed")
    let teacherWidths = try truth.integers("teacher_hidden_widths")
    try truth.close()

    let steps = try orderedSteps(in: directory)
    var initSeeds: [Int] = []
    var widths: [Int]?
    var evaluations: [EvaluationArtifact] = []
    for step in steps {
      let network = try HDF5File.open("\(directory)/\(step)/network.h5")
      try expect(network, artifact: "network")
      let stepWidths = try network.integers("hidden_widths")
      guard widths == nil || widths == stepWidths else {
        throw StageError("\(network.path): hidden widths \(stepWidths), but an earlier step of \(directory) has \(widths!)")
      }
      guard try network.integer("input_dimension") == d else {
        throw StageError("\(network.path): input dimension differs from d = \(d) of \(truthPath)")
      }
      widths = stepWidths
      initSeeds.append(try network.integer("seed"))
      try network.close()
      evaluations.append(try EvaluationArtifact(path: "\(directory)/\(step)/eval.h5"))
    }
    let parameters = SweepParameters(
      layers: evaluations.map(\.layerLabel), initSeeds: initSeeds, inputDimension: d, teacherWidths: teacherWidths,
      trainSamples: m, testSamples: mTest, widths: widths ?? [])
    return evaluations.flatMap { evaluation in
      evaluation.models.indices.map { k in
        let model = evaluation.models[k]
        return SweepRow(
          parameters: parameters, teacherSeed: teacherSeed, step: evaluation.layerLabel,
          model: evaluation.leakedTestErrors.contains(model) ? model + "_leaked" : model,
          trainError: evaluation.trainErrors[k], testError: evaluation.testErrors[k])
      }
    }
  }

  /// The step folders of a point (those holding network.h5 and eval.h5), in
  /// the order the pipeline chained them: the first step's network was drawn
  /// from nothing, each later one from the previous step's eval.h5 (its
  /// `input_files` attribute).
  static func orderedSteps(in directory: String) throws -> [String] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { name in
      !name.hasPrefix(".") && FileManager.default.fileExists(atPath: "\(directory)/\(name)/eval.h5")
    }
    guard !names.isEmpty else { throw StageError("\(directory): no step folder with an eval.h5 (is the point's run finished?)") }
    var previous: [String: String?] = [:]  // step → the step its network was carried from
    for name in names {
      let path = "\(directory)/\(name)/network.h5"
      let network = try HDF5File.open(path)
      let inputs: [String]
      switch try network.attribute("input_files") {
      case .strings(let files): inputs = files
      case .string(let file): inputs = [file]
      default: throw StageError("\(path): attribute 'input_files' is not a list of strings")
      }
      // The carried network is <point>/<previous step>/eval.h5.
      previous.updateValue(inputs.first.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent }, forKey: name)
    }
    var order: [String] = []
    var current: String? = nil
    while order.count < names.count {
      let next = names.filter { previous[$0]! == current }.sorted()
      if next.isEmpty { break }
      guard next.count == 1 else {
        throw StageError("\(directory): steps \(next.joined(separator: ", ")) all start from \(current.map { "step \($0)" } ?? "scratch") — stale step folders?")
      }
      order.append(next[0])
      current = next[0]
    }
    guard order.count == names.count else {
      let loose = names.filter { !order.contains($0) }.sorted()
      throw StageError("\(directory): step folders \(loose.joined(separator: ", ")) are not chained to \(order.joined(separator: " → ")) — stale step folders?")
    }
    return order
  }

  static func expect(_ file: HDF5File, artifact: String) throws {
    let found = (try? file.string("artifact")) ?? "none"
    guard found == artifact else {
      throw StageError("\(file.path): is not a \(artifact) artifact (its 'artifact' attribute is \(found))")
    }
  }

  // MARK: Ordering and aggregation

  /// Rows in report order: by layers (as first seen), step (in point order),
  /// model (as first seen), then d, teacher widths, initial seeds, M_test,
  /// widths, M and teacher seed — so each curve's points are consecutive, by
  /// increasing width and M.
  public static func ordered(_ rows: [SweepRow]) -> [SweepRow] {
    var layersRank: [[String]: Int] = [:]
    var modelRank: [String: Int] = [:]
    for row in rows {
      if layersRank[row.parameters.layers] == nil { layersRank[row.parameters.layers] = layersRank.count }
      if modelRank[row.model] == nil { modelRank[row.model] = modelRank.count }
    }
    func key(_ row: SweepRow) -> [[Int]] {
      let p = row.parameters
      return [
        [layersRank[p.layers]!], [p.layers.firstIndex(of: row.step) ?? p.layers.count], [modelRank[row.model]!],
        [p.inputDimension], p.teacherWidths, p.initSeeds, [p.testSamples], p.widths, [p.trainSamples], [row.teacherSeed],
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
      var model: String
    }
    var keys: [Key] = []
    var groups: [Key: [SweepRow]] = [:]
    for row in rows {
      let key = Key(parameters: row.parameters, step: row.step, model: row.model)
      if groups[key] == nil { keys.append(key) }
      if groups[key, default: []].contains(where: { $0.teacherSeed == row.teacherSeed }) {
        throw StageError("two points with the same parameters and teacher seed \(row.teacherSeed) (step \(row.step), model \(row.model)): each is counted once")
      }
      groups[key, default: []].append(row)
    }
    return keys.map { key in
      let group = groups[key]!
      return SweepSummaryRow(
        parameters: key.parameters, step: key.step, model: key.model, teacherSeeds: group.map(\.teacherSeed),
        train: MeanAndDeviation(group.map(\.trainError)), test: MeanAndDeviation(group.map(\.testError)))
    }
  }

  // MARK: Output

  public static func resultsCSV(_ rows: [SweepRow]) -> String {
    var csv = resultsColumns.joined(separator: ",") + "\n"
    for row in rows {
      let p = row.parameters
      csv += csvLine([
        p.layers.joined(separator: " "), list(p.initSeeds, " "), "\(p.inputDimension)", list(p.teacherWidths, " "),
        "\(p.trainSamples)", "\(p.testSamples)", "\(row.teacherSeed)", list(p.widths, " "), row.step, row.model,
        format(row.trainError), format(row.testError),
      ])
    }
    return csv
  }

  public static func summaryCSV(_ summary: [SweepSummaryRow]) -> String {
    var csv = summaryColumns.joined(separator: ",") + "\n"
    for row in summary {
      let p = row.parameters
      csv += csvLine([
        p.layers.joined(separator: " "), list(p.initSeeds, " "), "\(p.inputDimension)", list(p.teacherWidths, " "),
        "\(p.trainSamples)", "\(p.testSamples)", list(p.widths, " "), p.widths.max().map { "\($0)" } ?? "", row.step, row.model,
        format(row.train.mean), format(row.train.standardDeviation), format(row.test.mean), format(row.test.standardDeviation),
        "\(row.teacherSeeds.count)", list(row.teacherSeeds, " "),
      ])
    }
    return csv
  }

  /// The summary as Markdown: parameters shared by every row in a line above
  /// the table, the others as columns.
  public static func markdown(_ summary: [SweepSummaryRow], title: String) -> String {
    typealias Column = (header: String, value: (SweepSummaryRow) -> String)
    let parameterColumns: [Column] = [
      ("layers", { $0.parameters.layers.joined(separator: " ") }),
      ("initial seeds", { list($0.parameters.initSeeds, " ") }),
      ("d", { "\($0.parameters.inputDimension)" }),
      ("teacher widths", { list($0.parameters.teacherWidths, ",") }),
      ("widths", { list($0.parameters.widths, ",") }),
      ("M", { "\($0.parameters.trainSamples)" }),
      ("M_test", { "\($0.parameters.testSamples)" }),
    ]
    let seedsColumn: Column = ("teacher seeds", { list($0.teacherSeeds, " ") })
    let varying = parameterColumns.filter { column in Set(summary.map(column.value)).count > 1 }
    let fixed = (parameterColumns + [seedsColumn]).filter { column in Set(summary.map(column.value)).count == 1 }
    var text = "# \(title)\n\n"
    text += "Errors: mean ± sample standard deviation over the teacher seeds (n of them); the deviation to two significant digits, the mean to match.\n"
    if let first = summary.first, !fixed.isEmpty {
      text += "Shared by every row: " + fixed.map { "\($0.header) \($0.value(first))" }.joined(separator: "; ") + ".\n"
    }
    let headers = varying.map(\.header) + ["step", "model", "n", "train error", "test error"]
    text += "\n| \(headers.joined(separator: " | ")) |\n|\(String(repeating: "---|", count: headers.count))\n"
    for row in summary {
      let cells = varying.map { $0.value(row) } + [
        row.step, modelLabel(row.model), "\(row.test.count)", display(row.train), display(row.test),
      ]
      text += "| \(cells.joined(separator: " | ")) |\n"
    }
    return text
  }

  /// The name of a model as in the run's table (ntk-report).
  static func modelLabel(_ model: String) -> String {
    let leaked = model.hasSuffix("_leaked")
    let name = leaked ? String(model.dropLast("_leaked".count)) : model
    guard let k = EvaluationArtifact.models.firstIndex(of: name) else { return model }
    return Report.headers[k] + (leaked ? " (leaked)" : "")
  }

  /// "mean ± deviation" for reading: the deviation rounded to two significant
  /// digits and the mean to the same decimal place, each then written as its
  /// shortest round-trip decimal; one value alone is written with 12
  /// significant digits (which drops the rounding noise of the sum).
  public static func display(_ value: MeanAndDeviation) -> String {
    if value.mean.isNaN { return "not reported" }
    let deviation = value.standardDeviation
    if deviation.isNaN { return format(rounded(value.mean, significantDigits: 12)) }
    if deviation == 0 { return format(rounded(value.mean, significantDigits: 12)) + " ± 0" }
    let decimals = 1 - Int(floor(log10(deviation)))
    return "\(format(rounded(value.mean, decimals: decimals))) ± \(format(rounded(deviation, decimals: decimals)))"
  }

  static func rounded(_ x: Double, decimals: Int) -> Double {
    // Dividing an integer by a power of ten rounds once, so 3051 / 1e4 prints as 0.3051.
    decimals >= 0
      ? (x * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
      : (x / pow(10, Double(-decimals))).rounded() * pow(10, Double(-decimals))
  }

  static func rounded(_ x: Double, significantDigits: Int) -> Double {
    x == 0 || !x.isFinite ? x : rounded(x, decimals: significantDigits - 1 - Int(floor(log10(abs(x)))))
  }
}

private func list(_ values: [Int], _ separator: String) -> String {
  values.map { "\($0)" }.joined(separator: separator)
}

/// A CSV line; fields holding a comma, a quote or a line break are quoted.
private func csvLine(_ fields: [String]) -> String {
  fields.map { field in
    field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
      ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
  }.joined(separator: ",") + "\n"
}
