import Artifacts
import Foundation
import Tables

extension SweepSummaryRow {
  /// The model's name in CSV files (see ModelResult.csvName).
  public var csvName: String { result.csvName }
  /// The model's name in Markdown tables, as in the run's table.
  public var label: String { result.label }
  private var result: ModelResult {
    ModelResult(model: model, trainError: .nan, testError: .nan, leaked: leaked, approximate: approximate)
  }
}

extension SweepReport {
  /// `solver`: the SVM's training path that gave the model (solverName: libsvm-kernel, libsvm-linear,
  /// linear; none for net_init and net_trained), appended after the original columns; `test_mse`: the
  /// test mean squared error of a real-valued model (krr_infinite), empty for the others; `data_set`
  /// (in every CSV): the imported data set's name, empty with a teacher.
  public static let resultsColumns = [
    "layers", "init_seeds", "data_set", "d", "teacher_widths", "m", "m_test", "teacher_seed", "widths", "step",
    "model", "train_error", "test_error", "test_mse", "solver",
  ]
  /// The counts and the solver (never empty) last: gnuplot skips a CSV row whose last field is empty
  /// (a std of one seed). `solver`: the group's solvers, space-separated (one, unless its points differ).
  public static let summaryColumns = [
    "layers", "init_seeds", "data_set", "d", "teacher_widths", "m", "m_test", "widths", "width", "step", "model",
    "train_error_mean", "train_error_std", "test_error_mean", "test_error_std", "test_mse_mean", "test_mse_std",
    "n_seeds", "teacher_seeds", "solver",
  ]

  /// The measures' summary (read by plots/lazy-regime-vs-width.gp and alignment-vs-width.gp).
  public static let measuresColumns = [
    "layers", "init_seeds", "data_set", "d", "teacher_widths", "m", "m_test", "widths", "width", "step", "measure",
    "mean", "std", "n_seeds", "teacher_seeds",
  ]

  public static func measuresCSV(_ summary: [SweepMeasureSummary]) -> String {
    var csv = CSVTable(columns: measuresColumns)
    for row in summary {
      let p = row.parameters
      csv.append([
        p.layers.joined(separator: " "), list(p.initSeeds, " "), p.dataSet, "\(p.inputDimension)",
        list(p.teacherWidths, " "),
        "\(p.trainSamples)", "\(p.testSamples)", list(p.widths, " "), p.widths.max().map { "\($0)" } ?? "", row.step,
        row.name, format(row.value.mean), format(row.value.standardDeviation), "\(row.teacherSeeds.count)",
        list(row.teacherSeeds, " "),
      ])
    }
    return csv.text
  }

  public static func resultsCSV(_ rows: [SweepRow]) -> String {
    var csv = CSVTable(columns: resultsColumns)
    for row in rows {
      let p = row.parameters
      csv.append([
        p.layers.joined(separator: " "), list(p.initSeeds, " "), p.dataSet, "\(p.inputDimension)",
        list(p.teacherWidths, " "),
        "\(p.trainSamples)", "\(p.testSamples)", "\(row.teacherSeed)", list(p.widths, " "), row.step,
        row.result.csvName, format(row.result.trainError), format(row.result.testError), format(row.result.testMSE),
        row.solver,
      ])
    }
    return csv.text
  }

  public static func summaryCSV(_ summary: [SweepSummaryRow]) -> String {
    var csv = CSVTable(columns: summaryColumns)
    for row in summary {
      let p = row.parameters
      csv.append([
        p.layers.joined(separator: " "), list(p.initSeeds, " "), p.dataSet, "\(p.inputDimension)",
        list(p.teacherWidths, " "),
        "\(p.trainSamples)", "\(p.testSamples)", list(p.widths, " "), p.widths.max().map { "\($0)" } ?? "", row.step,
        row.csvName, format(row.train.mean), format(row.train.standardDeviation), format(row.test.mean),
        format(row.test.standardDeviation), format(row.testMSE.mean), format(row.testMSE.standardDeviation),
        "\(row.teacherSeeds.count)", list(row.teacherSeeds, " "),
        row.solvers.joined(separator: " "),
      ])
    }
    return csv.text
  }

  /// The summary as Markdown: parameters shared by every row in a line above
  /// the table, the others as columns; a parameter empty in every row (the
  /// teacher widths of an imported data set, the data set of a teacher's
  /// sweep) is left out. Over an imported data set the seeds are split seeds.
  public static func markdown(_ summary: [SweepSummaryRow], title: String) -> String {
    typealias Column = (header: String, value: (SweepSummaryRow) -> String)
    let seeds = summary.contains { $0.parameters.dataSet.isEmpty } ? "teacher seeds" : "split seeds"
    let parameterColumns: [Column] = [
      ("data set", { $0.parameters.dataSet }),
      ("layers", { $0.parameters.layers.joined(separator: " ") }),
      ("initial seeds", { list($0.parameters.initSeeds, " ") }),
      ("d", { "\($0.parameters.inputDimension)" }),
      ("teacher widths", { list($0.parameters.teacherWidths, ",") }),
      ("widths", { list($0.parameters.widths, ",") }),
      ("M", { "\($0.parameters.trainSamples)" }),
      ("M_test", { "\($0.parameters.testSamples)" }),
    ]
    let seedsColumn: Column = (seeds, { list($0.teacherSeeds, " ") })
    let columns = (parameterColumns + [seedsColumn]).filter { column in summary.contains { !column.value($0).isEmpty } }
    let varying = columns.filter { column in column.header != seeds && Set(summary.map(column.value)).count > 1 }
    let fixed = columns.filter { column in Set(summary.map(column.value)).count == 1 }
    var text = "# \(title)\n\n"
    text += "Errors: mean ± sample standard deviation over the \(seeds) (n of them); "
    text += "the deviation to two significant digits, the mean to match.\n"
    if let first = summary.first, !fixed.isEmpty {
      text += "Shared by every row: " + fixed.map { "\($0.header) \($0.value(first))" }.joined(separator: "; ") + ".\n"
    }
    // The solver, where the SVMs of the sweep were not all trained the same way (e.g. libsvm up to the
    // kernel memory, the linear solver above it).
    let solvers = Set(summary.flatMap(\.solvers)).subtracting([noSolver])
    let solverColumn: [Column] =
      solvers.count > 1 ? [("solver", { $0.solvers.map { $0 == noSolver ? "" : $0 }.joined(separator: " ") })] : []
    // The test MSE, where some model has one (krr_infinite).
    let mseColumn: [Column] =
      summary.contains { !$0.testMSE.mean.isNaN }
      ? [("test MSE", { $0.testMSE.mean.isNaN ? "" : display($0.testMSE) })] : []
    var table = MarkdownTable(
      headers: varying.map(\.header) + ["step", "model", "n", "train error", "test error"] + mseColumn.map(\.header)
        + solverColumn.map(\.header))
    for row in summary {
      table.append(
        varying.map { $0.value(row) } + [
          row.step, row.label, "\(row.test.count)", display(row.train), display(row.test),
        ] + mseColumn.map { $0.value(row) } + solverColumn.map { $0.value(row) })
    }
    return text + "\n" + table.text
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
}

/// Lists (layers, seeds, widths) are written space- or comma-separated.
private func list(_ values: [Int], _ separator: String) -> String {
  values.map { "\($0)" }.joined(separator: separator)
}
