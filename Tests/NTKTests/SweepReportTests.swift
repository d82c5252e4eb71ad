import Artifacts
import Foundation
import HDF5IO
import NTKMath
import StageSupport
import SweepReportStage
import Testing

/// The sweep report: mean ± std over teacher seeds, grouping, order, output.
@Suite struct SweepReportTests {
  static func parameters(
    layers: [String] = ["W", "V", "u"], m: Int = 100, widths: [Int] = [25, 25]
  ) -> SweepParameters {
    SweepParameters(
      layers: layers, initSeeds: Array(0..<layers.count), inputDimension: 25, teacherWidths: [25, 25],
      trainSamples: m, testSamples: 2000, widths: widths)
  }

  static func row(
    _ p: SweepParameters, seed: Int, step: String, model: Model, train: Double, test: Double
  )
    -> SweepRow
  {
    SweepRow(
      parameters: p, teacherSeed: seed, step: step,
      result: ModelResult(model: model, trainError: train, testError: test))
  }

  @Test func meanAndSampleStandardDeviation() {
    let value = MeanAndDeviation([0.1, 0.2, 0.3, 0.4])
    #expect(value.count == 4)
    #expect(abs(value.mean - 0.25) < 1e-15)
    // Σ(x − 0.25)² = 0.05 over n − 1 = 3.
    #expect(abs(value.standardDeviation - (0.05 / 3).squareRoot()) < 1e-15)
  }

  @Test func notReportedValuesAreLeftOut() {
    let value = MeanAndDeviation([0.2, .nan, 0.4])
    #expect(value.count == 2)
    #expect(abs(value.mean - 0.3) < 1e-15)
    #expect(abs(value.standardDeviation - 0.02.squareRoot()) < 1e-15)
    let one = MeanAndDeviation([0.31055, .nan])
    #expect(one.count == 1 && one.mean == 0.31055 && one.standardDeviation.isNaN)
    let none = MeanAndDeviation([.nan])
    #expect(none.count == 0 && none.mean.isNaN && none.standardDeviation.isNaN)
  }

  /// Rows group by every parameter but the teacher seed, then step and model;
  /// points that differ in any other parameter are never averaged together.
  @Test func groupsOverTeacherSeedsOnly() throws {
    let small = Self.parameters(m: 50), large = Self.parameters(m: 100),
      wide = Self.parameters(m: 50, widths: [50, 50])
    var rows: [SweepRow] = []
    for (seed, offset) in [(124, 0.0), (125, 0.1), (126, 0.2)] {
      for p in [small, large, wide] {
        for step in ["W", "V"] {
          rows.append(Self.row(p, seed: seed, step: step, model: .classifier, train: 0, test: 0.3 + offset))
          rows.append(Self.row(p, seed: seed, step: step, model: .netSVM, train: 0.2, test: 0.4 + offset))
        }
      }
    }
    let summary = try SweepReport.summarize(rows)
    #expect(summary.count == 3 * 2 * 2)
    // In the order of first appearance.
    #expect(
      summary.prefix(4).map { "\($0.parameters.trainSamples) \($0.step) \($0.csvName)" }
        == ["50 W classifier", "50 W net_svm", "50 V classifier", "50 V net_svm"])
    for group in summary {
      #expect(group.teacherSeeds == [124, 125, 126])
      #expect(group.train.count == 3 && group.train.mean == (group.model == .classifier ? 0 : 0.2))
      #expect(group.train.standardDeviation == 0)
      #expect(abs(group.test.mean - (group.model == .classifier ? 0.4 : 0.5)) < 1e-12)
      #expect(abs(group.test.standardDeviation - 0.1) < 1e-12)
    }
    #expect(Set(summary.map(\.parameters)) == [small, large, wide])
  }

  @Test func aSeedTwiceInAGroupIsAnError() {
    let p = Self.parameters()
    let rows = [
      Self.row(p, seed: 124, step: "W", model: .classifier, train: 0, test: 0.3),
      Self.row(p, seed: 124, step: "W", model: .classifier, train: 0, test: 0.31),
    ]
    #expect(throws: StageError.self) { try SweepReport.summarize(rows) }
  }

  /// Curves come out whole: by layers, step, model, then increasing M and seed.
  @Test func rowsAreOrderedByCurveThenParameter() {
    let stepwise = { (m: Int) in Self.parameters(m: m) }
    let all = { (m: Int) in Self.parameters(layers: ["all"], m: m) }
    let rows = [
      Self.row(stepwise(200), seed: 2, step: "V", model: .classifier, train: 0, test: 0),
      Self.row(all(50), seed: 1, step: "all", model: .classifier, train: 0, test: 0),
      Self.row(stepwise(50), seed: 2, step: "W", model: .classifier, train: 0, test: 0),
      Self.row(stepwise(50), seed: 1, step: "V", model: .classifier, train: 0, test: 0),
      Self.row(stepwise(200), seed: 1, step: "W", model: .netSVM, train: 0, test: 0),
      Self.row(stepwise(50), seed: 1, step: "W", model: .classifier, train: 0, test: 0),
    ]
    let order = SweepReport.ordered(rows).map {
      "\($0.parameters.layers.joined()) \($0.step) \($0.result.csvName) \($0.parameters.trainSamples) \($0.teacherSeed)"
    }
    #expect(
      order == [
        "WVu W classifier 50 1", "WVu W classifier 50 2", "WVu W net_svm 200 1",
        "WVu V classifier 50 1", "WVu V classifier 200 2", "all all classifier 50 1",
      ])
  }

  /// Shortest round-trip decimals: the deviation to two significant digits, the mean to match.
  @Test func meanPlusMinusDeviationForReading() {
    #expect(SweepReport.display(MeanAndDeviation([0.3, 0.305, 0.31, 0.30648])) == "0.3054 ± 0.0041")
    #expect(SweepReport.display(MeanAndDeviation([0.31055])) == "0.31055")
    #expect(SweepReport.display(MeanAndDeviation([0.1, 0.1, 0.1])) == "0.1 ± 0")
    #expect(SweepReport.display(MeanAndDeviation([.nan])) == "not reported")
    #expect(SweepReport.display(MeanAndDeviation([0.2, 0.6])) == "0.4 ± 0.28")
  }

  @Test func markdownNamesSharedParametersOnceAndVaryingOnesAsColumns() throws {
    var rows: [SweepRow] = []
    for m in [50, 100] {
      for seed in [1, 2] {
        rows.append(
          Self.row(
            Self.parameters(m: m), seed: seed, step: "W", model: .netSVM, train: 0.25, test: seed == 1 ? 0.3 : 0.4))
      }
    }
    let text = SweepReport.markdown(try SweepReport.summarize(rows), title: "learning-curve")
    #expect(text.hasPrefix("# learning-curve\n"))
    #expect(
      text.contains(
        "Shared by every row: layers W V u; initial seeds 0 1 2; d 25; teacher widths 25,25; widths 25,25; "
          + "M_test 2000; teacher seeds 1 2."
      ))
    #expect(text.contains("| M | step | model | n | train error | test error |"))
    #expect(text.contains("| 50 | W | net θc | 2 | 0.25 ± 0 | 0.35 ± 0.071 |"))
    #expect(text.contains("| 100 | W | net θc | 2 | 0.25 ± 0 | 0.35 ± 0.071 |"))
  }

  /// Over an imported data set: the data set named, its seeds split seeds, no empty teacher widths.
  @Test func markdownOverImportedDataNamesTheDataSet() throws {
    let p = SweepParameters(
      layers: ["W"], initSeeds: [0], inputDimension: 64, teacherWidths: [], trainSamples: 50, testSamples: 449,
      widths: [64, 64], dataSet: "digits")
    let rows = [1, 2].map { Self.row(p, seed: $0, step: "W", model: .netSVM, train: 0.25, test: 0.3) }
    let text = SweepReport.markdown(try SweepReport.summarize(rows), title: "learning-curve")
    #expect(text.contains("over the split seeds (n of them)"))
    #expect(
      text.contains(
        "Shared by every row: data set digits; layers W; initial seeds 0; d 64; widths 64,64; M 50; M_test 449; "
          + "split seeds 1 2."))
    #expect(!text.contains("teacher"))
    #expect(SweepReport.summaryCSV(try SweepReport.summarize(rows)).contains("\nW,0,digits,64,,50,449,"))
  }

  @Test func summaryCSVHasOneLinePerGroup() throws {
    let p = Self.parameters(m: 400, widths: [50, 50])
    let rows = [
      Self.row(p, seed: 1, step: "u", model: .classifier, train: 0.0, test: 0.25),
      Self.row(p, seed: 2, step: "u", model: .classifier, train: 0.0, test: .nan),
    ]
    let lines = SweepReport.summaryCSV(try SweepReport.summarize(rows)).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0] == Substring(SweepReport.summaryColumns.joined(separator: ",")))
    // One reported test error: no deviation (empty, as NaN in the run's table); no test MSE (a classifier);
    // no data set (a teacher).
    #expect(lines[1] == "W V u,0 1 2,,25,25 25,400,2000,50 50,50,u,classifier,0.0,0.0,0.25,,,,2,1 2,none")
  }

  /// The column `solver`: short names of the SVMs' `solved_from` (Sources/Stages/Train's texts).
  @Test func solverNamesFromTheTrainingPaths() {
    #expect(SweepReport.solverName("the precomputed tangent kernel K = G Gᵀ") == "libsvm-kernel")
    #expect(
      SweepReport.solverName(
        "the precomputed tangent kernel K = G Gᵀ, computed in blocks of rows (above 256 MiB: not stored)")
        == "libsvm-kernel")
    #expect(SweepReport.solverName("the feature rows, with libsvm's linear kernel") == "libsvm-linear")
    #expect(SweepReport.solverName("the dense feature rows, by the linear solver (time linear in m)") == "linear")
    #expect(SweepReport.solverName("the factored feature rows, by the linear solver (time linear in m)") == "linear")
    // The infinite-width baseline records its solver only.
    #expect(
      SweepReport.solverName("libsvm 3.25 C-SVC on the precomputed kernel, as scikit-learn SVC(kernel='precomputed')")
        == "libsvm-kernel")
    #expect(SweepReport.solverName(nil) == "unknown" && SweepReport.solverName("something else") == "unknown")
  }

  /// A group whose seeds were trained differently names each solver once; the Markdown table has a
  /// solver column only when the sweep used more than one.
  @Test func solversOfAGroupAndTheMarkdownColumn() throws {
    func row(_ seed: Int, _ model: Model, _ solver: String, m: Int = 400) -> SweepRow {
      SweepRow(
        parameters: Self.parameters(m: m), teacherSeed: seed, step: "W",
        result: ModelResult(model: model, trainError: 0, testError: 0.25), solver: solver)
    }
    let mixed = try SweepReport.summarize([row(1, .classifier, "libsvm-kernel"), row(2, .classifier, "linear")])
    #expect(mixed.map(\.solvers) == [["libsvm-kernel", "linear"]])
    #expect(SweepReport.summaryCSV(mixed).hasSuffix(",1 2,libsvm-kernel linear\n"))
    let one = try SweepReport.summarize([row(1, .classifier, "libsvm-kernel"), row(1, .netInit, "none")])
    #expect(!SweepReport.markdown(one, title: "t").contains("| solver |"))
    let two = try SweepReport.summarize([
      row(1, .classifier, "libsvm-kernel"), row(1, .netInit, "none"), row(1, .classifier, "linear", m: 800),
    ])
    let text = SweepReport.markdown(two, title: "t")
    #expect(text.contains("| M | step | model | n | train error | test error | solver |"))
    #expect(text.contains("| 800 | W | classifier | 1 | 0.0 | 0.25 | linear |"))
    #expect(text.contains("| 400 | W | net θ0 | 1 | 0.0 | 0.25 |  |"))
  }

  // MARK: A point folder on disk

  static func folder() -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("ntk-sweep-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A run folder as the pipeline writes it: truth.h5, and for each step
  /// network.h5 and eval.h5, written by the artifacts' own writers.
  static func writePoint(
    _ directory: String, steps: [String], seed: Int, m: Int, solvedFrom: String? = nil
  ) throws -> [String] {
    let network = ReLUNetwork(layers: [
      Matrix(rows: 2, columns: 3, repeating: 0.5), Matrix(rows: 2, columns: 2, repeating: 0.5),
      Matrix(rows: 1, columns: 2, repeating: 1),
    ])
    let truth = try Provenance(
      program: "ntk-truth",
      parameters: [("teacher_hidden_widths", .integers([2, 2])), ("seed", .integer(Int64(seed)))])
    try TruthArtifact.write(
      to: directory + "/truth.h5", provenance: truth, teacher: network, sampleCounts: [.train: m, .test: 1000]
    ) { split, emit in
      let count = split == .train ? m : 1000
      let x = Matrix(rows: count, columns: 3, values: (0..<(3 * count)).map { Double($0 % 7) - 3 })
      try emit(0, x, network.predict(x))
    }
    return try steps.enumerated().map { k, step in
      try NetworkArtifact.write(
        to: "\(directory)/\(step)/network.h5", provenance: Provenance(program: "ntk-init"), network: network,
        layer: step, seed: UInt32(k), drawnLayers: [step])
      let results = Model.allCases.enumerated().map { j, model in
        let error = Double(j) / 10 + Double(seed) / 1000
        return ModelResult(model: model, trainError: error, testError: error + 0.05)
      }
      let path = "\(directory)/\(step)/eval.h5"
      try EvaluationArtifact.write(
        to: path, provenance: Provenance(program: "ntk-evaluate"), layer: step, layerLabel: step, results: results,
        carried: network, classifierSolver: solvedFrom.map { _ in "a solver" }, classifierSolvedFrom: solvedFrom)
      return path
    }
  }

  /// Steps come in the order given (Make's LAYERS), parameters from the attributes.
  @Test func readsAPointsStepsInTheOrderGiven() throws {
    let root = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let evaluations = try Self.writePoint(root + "/p", steps: ["W", "V", "u"], seed: 7, m: 64)
    let rows = try SweepReport.readPoint(files: evaluations).rows
    #expect(rows.count == 3 * Model.allCases.count)
    #expect(rows.map(\.step) == ["W", "V", "u"].flatMap { Array(repeating: $0, count: Model.allCases.count) })
    #expect(rows.prefix(Model.allCases.count).map(\.result.model) == Model.allCases)
    let p = rows[0].parameters
    #expect(
      p
        == SweepParameters(
          layers: ["W", "V", "u"], initSeeds: [0, 1, 2], inputDimension: 3, teacherWidths: [2, 2], trainSamples: 64,
          testSamples: 1000, widths: [2, 2]))
    #expect(rows[0].teacherSeed == 7)
    #expect(rows[Model.allCases.count + 2].result.trainError == 0.2 + 0.007)
    let reversed = try SweepReport.readPoint(files: evaluations.reversed()).rows
    #expect(reversed[0].parameters.layers == ["u", "V", "W"])
  }

  /// The evaluation's classifier_solved_from names the solver of the classifier and of the θc
  /// candidates; net_init and net_trained have none.
  @Test func rowsCarryTheirSVMsSolver() throws {
    let root = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let solvedFrom = "the factored feature rows, by the linear solver (time linear in m)"
    let evaluations = try Self.writePoint(root + "/p", steps: ["W"], seed: 1, m: 10, solvedFrom: solvedFrom)
    #expect(try EvaluationArtifact(path: evaluations[0]).classifierSolvedFrom == solvedFrom)
    let rows = try SweepReport.readPoint(files: evaluations).rows
    let solvers = Dictionary(uniqueKeysWithValues: rows.map { ($0.result.model, $0.solver) })
    #expect(solvers[.classifier] == "linear" && solvers[.netSVM] == "linear")
    #expect(solvers[.netNegInitTimesSVM] == "linear")
    #expect(solvers[.netInit] == "none" && solvers[.netTrained] == "none")
  }

  @Test func aMissingStepIsAnError() throws {
    let root = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let evaluations = try Self.writePoint(root + "/p", steps: ["W", "V"], seed: 1, m: 10)
    try FileManager.default.removeItem(atPath: evaluations[1])
    // The error names the missing file and the problem.
    #expect {
      try SweepReport.readPoint(files: evaluations)
    } throws: { error in
      (error as? HDF5Error).map { $0.file == evaluations[1] && $0.problem == "no such file" } ?? false
    }
  }

  /// The whole report over two seeds × two M, written to disk.
  @Test func writesTheReportFiles() throws {
    let root = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var points: [[String]] = []
    for m in [32, 64] {
      for seed in [1, 3] {
        points.append(
          try Self.writePoint("\(root)/layers-W-u_M-\(m)_seed-\(seed)", steps: ["W", "u"], seed: seed, m: m))
      }
    }
    let summary = try SweepReport(resultPaths: points.reversed().flatMap { $0 }, name: "test")
      .run(outputDirectory: root + "/report", log: StageLog(program: "test", quiet: true))
    #expect(summary.count == 2 * 2 * Model.allCases.count)
    let first = try #require(summary.first)
    #expect(first.parameters.trainSamples == 32 && first.step == "W" && first.model == .classifier)
    #expect(abs(first.train.mean - 0.002) < 1e-15)
    #expect(abs(first.train.standardDeviation - 0.001 * 2.0.squareRoot()) < 1e-15)
    let csv = try String(contentsOfFile: root + "/report/results.csv", encoding: .utf8).split(separator: "\n")
    #expect(csv.count == 1 + 4 * 2 * Model.allCases.count)
    #expect(csv[0] == Substring(SweepReport.resultsColumns.joined(separator: ",")))
    // The test points' evaluations record no solver (as files written before it was recorded).
    #expect(csv[1] == "W u,0 1,,3,2 2,32,1000,1,2 2,W,classifier,0.001,\(0.001 + 0.05),,unknown")
    #expect(csv[2] == "W u,0 1,,3,2 2,32,1000,3,2 2,W,classifier,0.003,\(0.003 + 0.05),,unknown")
    let markdown = try String(contentsOfFile: root + "/report/results.md", encoding: .utf8)
    #expect(markdown.hasPrefix("# test\n"))
    #expect(FileManager.default.fileExists(atPath: root + "/report/summary.csv"))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/report").filter {
      $0.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty)
  }
}
