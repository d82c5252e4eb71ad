import Foundation
import Artifacts
import LinearSVM
import NTKMath

/// Stage 4: a linear SVM on the training features.
public struct TrainSVM: Sendable {
  public var featuresPath: String
  public var parameters: SVMParameters

  public init(featuresPath: String, parameters: SVMParameters) {
    self.featuresPath = featuresPath
    self.parameters = parameters
  }

  public func run(output: String, log: StageLog) throws {
    let features = try FeaturesArtifact(path: featuresPath)
    let y = try features.labels(.train)
    guard y.contains(1) && y.contains(-1) else {
      throw StageError("\(featuresPath): /labels/train: the training set has one class only (\(format(y[0])))")
    }
    let rows = try features.rows(.train)
    log("layer \(features.layer): training on \(y.count) samples × \(features.featureCount) features (\(features.storage.rawValue))")
    let started = Date()
    let (solution, weights): (SVMSolution, [Double])
    var kernel: Matrix? = nil
    do {
      switch rows {
      case .dense(let x):
        (solution, weights) = try LinearSVM.train(features: x, labels: y, parameters: parameters)
      case .factored:
        // From the factors: K = Σ (ΔΔᵀ) ⊙ (ZZᵀ), then w = Σ c_i g_i blockwise.
        kernel = rows.gram()
        solution = try LinearSVM.train(kernel: kernel!, labels: y, parameters: parameters)
        weights = rows.combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
      }
    } catch let error as SVMError {
      throw StageError("\(featuresPath): \(error)")
    }
    log("layer \(features.layer): \(solution.supportIndices.count) support vectors of \(y.count) samples in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    let provenance = Provenance(program: "ntk-train", inputFiles: [featuresPath])
    try SVMArtifact.write(
      to: output, provenance: provenance, layer: features.layer, blocks: features.blocks,
      solution: solution, weights: weights, kernel: kernel, parameters: parameters)
  }
}
