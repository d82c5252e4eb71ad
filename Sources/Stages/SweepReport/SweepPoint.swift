import Artifacts
import Foundation
import StageSupport

extension SweepReport {
  /// The point folder of an evaluation file `<point>/<step>/eval.h5`.
  static func pointDirectory(of evaluationPath: String) -> String {
    URL(fileURLWithPath: evaluationPath).deletingLastPathComponent().deletingLastPathComponent().relativePath
  }

  /// The rows of one point, from its steps' evaluation files in the order the
  /// pipeline chained them (`<point>/<step>/eval.h5`, as Make lists LAYERS):
  /// its parameters from the provenance attributes of `<point>/truth.h5` and
  /// of each step's `network.h5`, its errors from each `eval.h5`.
  public static func readPoint(evaluations paths: [String]) throws -> [SweepRow] {
    let directory = pointDirectory(of: paths[0])
    let truth = try TruthArtifact(path: directory + "/truth.h5")
    var initSeeds: [Int] = []
    var widths: [Int]?
    var evaluations: [EvaluationArtifact] = []
    for path in paths {
      let networkPath = URL(fileURLWithPath: path).deletingLastPathComponent().relativePath + "/network.h5"
      let student = try NetworkArtifact(path: networkPath)
      let network = student.network
      guard widths == nil || widths == network.hiddenWidths else {
        throw StageError("\(networkPath): hidden widths \(network.hiddenWidths), but an earlier step has \(widths!)")
      }
      guard network.inputDimension == truth.inputDimension else {
        throw StageError("\(networkPath): input dimension differs from d = \(truth.inputDimension) of \(truth.path)")
      }
      widths = network.hiddenWidths
      initSeeds.append(student.seed)
      evaluations.append(try EvaluationArtifact(path: path))
    }
    let parameters = SweepParameters(
      layers: evaluations.map(\.layerLabel), initSeeds: initSeeds, inputDimension: truth.inputDimension,
      teacherWidths: try truth.teacherWidths(), trainSamples: truth.sampleCounts[.train]!,
      testSamples: truth.sampleCounts[.test]!, widths: widths ?? [])
    let teacherSeed = try truth.seed()
    return evaluations.flatMap { evaluation in
      evaluation.results.map {
        SweepRow(parameters: parameters, teacherSeed: teacherSeed, step: evaluation.layerLabel, result: $0)
      }
    }
  }
}
