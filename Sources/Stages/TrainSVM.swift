import Foundation
import Artifacts
import LinearSVM
import NTKMath

/// Stage 4: a linear SVM on the training features.
///
/// libsvm solves it from the precomputed tangent kernel K = G Gᵀ (BLAS
/// products; from the factors for factored features) when libsvm's copy of K
/// (16 bytes an entry) fits in `kernelMemory`; otherwise, for dense features
/// only, from the feature rows with its linear kernel. Either way w = Σ c_i g_i.
public struct TrainSVM: Sendable {
  public var featuresPath: String
  public var parameters: SVMParameters
  public var kernelMemory: Int
  /// The kernel is kept in the artifact up to this many bytes (8 an entry).
  public static let storedKernelLimit = 256 << 20

  public init(featuresPath: String, parameters: SVMParameters, kernelMemory: Int = 8 << 30) {
    self.featuresPath = featuresPath
    self.parameters = parameters
    self.kernelMemory = kernelMemory
  }

  public func run(output: String, log: StageLog) throws {
    let features = try FeaturesArtifact(path: featuresPath)
    let y = try features.labels(.train)
    guard y.contains(1) && y.contains(-1) else {
      throw StageError("\(featuresPath): /labels/train: the training set has one class only (\(format(y[0])))")
    }
    let provenance = try Provenance(program: "ntk-train", inputFiles: [featuresPath])
    let rows = try features.rows(.train)
    log("layer \(features.layer): training on \(y.count) samples × \(features.featureCount) features (\(features.storage.rawValue))")
    let started = Date()
    let n = y.count
    let (solution, weights): (SVMSolution, [Double])
    var kernel: Matrix? = nil
    var solvedFrom = "the precomputed tangent kernel K = G Gᵀ"
    do {
      if case .dense(let x) = rows, n.multipliedReportingOverflow(by: n * 16).partialValue > kernelMemory || n > 1 << 20 {
        (solution, weights) = try LinearSVM.train(features: x, labels: y, parameters: parameters)
        solvedFrom = "the feature rows, with libsvm's linear kernel"
      } else {
        if n * n * 8 <= Self.storedKernelLimit {
          kernel = rows.gram()
          solution = try LinearSVM.train(kernel: kernel!, labels: y, parameters: parameters)
        } else {
          solution = try LinearSVM.train(kernelRows: { rows.gram(rows: $0) }, labels: y, parameters: parameters)
        }
        weights = rows.combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
      }
    } catch let error as SVMError {
      throw StageError("\(featuresPath): \(error)")
    }
    log("layer \(features.layer): \(solution.supportIndices.count) support vectors of \(y.count) samples in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    try SVMArtifact.write(
      to: output, provenance: provenance, layer: features.layer, blocks: features.blocks,
      solution: solution, weights: weights, kernel: kernel, solvedFrom: solvedFrom,
      parameters: parameters)
  }
}
