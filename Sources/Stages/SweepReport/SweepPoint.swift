import Artifacts
import Foundation
import StageSupport

extension SweepReport {
  /// The point folder of a result file `<point>/<step>/<file>.h5`.
  static func pointDirectory(of path: String) -> String {
    URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().relativePath
  }

  /// The step folder of a result file `<point>/<step>/<file>.h5`.
  static func stepDirectory(of path: String) -> String {
    URL(fileURLWithPath: path).deletingLastPathComponent().relativePath
  }

  /// The artifact kind of a result file (StepResults checked it).
  static func kind(of file: StepResults) -> String? { try? file.file.string("artifact") }

  /// What a result file says about the SVM it holds: the evaluation's `classifier_solved_from`; a
  /// baseline's `solved_from`, else its `solver` (the infinite-width SVM names libsvm on the
  /// precomputed kernel there); nil where it says nothing.
  static func solverText(of file: StepResults) -> String? {
    let f = file.file
    if kind(of: file) == EvaluationArtifact.kind { return EvaluationArtifact.classifierSolvedFrom(of: f) }
    for name in ["solved_from", "solver"] where f.hasAttribute(name) { return try? f.string(name) }
    return nil
  }

  /// The rows of one point, from its steps' result files (`eval.h5` and the
  /// baselines' files, `<point>/<step>/<file>.h5`), the steps in the order the
  /// pipeline chained them (as Make lists LAYERS): its parameters from the
  /// provenance attributes of `<point>/truth.h5` and of each step's
  /// `network.h5`, its errors from the result files.
  public static func readPoint(files paths: [String]) throws -> (rows: [SweepRow], measures: [SweepMeasure]) {
    let truth = try TruthArtifact(path: pointDirectory(of: paths[0]) + "/truth.h5")
    var stepFolders: [String] = []
    for folder in paths.map(stepDirectory(of:)) where !stepFolders.contains(folder) { stepFolders.append(folder) }
    var initSeeds: [Int] = []
    var widths: [Int]?
    var steps: [(label: String, files: [StepResults])] = []
    for folder in stepFolders {
      let student = try NetworkArtifact(path: folder + "/network.h5")
      let network = student.network
      guard widths == nil || widths == network.hiddenWidths else {
        throw StageError("\(student.path): hidden widths \(network.hiddenWidths), but an earlier step has \(widths!)")
      }
      guard network.inputDimension == truth.inputDimension else {
        throw StageError("\(student.path): input dimension differs from d = \(truth.inputDimension) of \(truth.path)")
      }
      widths = network.hiddenWidths
      initSeeds.append(student.seed)
      let files = try paths.filter { stepDirectory(of: $0) == folder }.map(StepResults.init(path:))
      steps.append((files[0].layerLabel, files))
    }
    let parameters = SweepParameters(
      layers: steps.map(\.label), initSeeds: initSeeds, inputDimension: truth.inputDimension,
      teacherWidths: try truth.teacherWidths(), trainSamples: truth.sampleCounts[.train]!,
      testSamples: truth.sampleCounts[.test]!, widths: widths ?? [], dataSet: try truth.dataSetName())
    let teacherSeed = try truth.seed()
    let rows = steps.flatMap { step in
      step.files.flatMap { file in
        let solvedFrom = solverText(of: file)
        return file.results.map {
          SweepRow(
            parameters: parameters, teacherSeed: teacherSeed, step: step.label, result: $0,
            solver: comesFromSVM($0.model) && kind(of: file) != TrainedNetworkArtifact.kind
              ? solverName(solvedFrom) : noSolver)
        }
      }
    }
    let measures = steps.flatMap { step in
      step.files.flatMap(\.measures).map {
        SweepMeasure(parameters: parameters, teacherSeed: teacherSeed, step: step.label, name: $0.name, value: $0.value)
      }
    }
    return (rows, measures)
  }
}
