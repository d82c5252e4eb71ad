import Artifacts
import Foundation
import LinearSVM
import NTKMath
import StageSupport

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
    do {  // before any work: the parameters and the labels (training checks them again)
      try LinearSVM.validate(labels: y, parameters: parameters)
    } catch SVMError.invalidLabels(let why) {
      throw StageError("\(featuresPath): /labels/train: \(why)")
    }
    let provenance = try Provenance(program: "ntk-train", inputFiles: [featuresPath])
    let rows = try features.rows(.train)
    let n = y.count
    log("layer \(features.layer): training on \(n) samples × \(features.featureCount) features (\(features.storage))")
    let started = Date()
    let solution: SVMSolution
    var kernel: Matrix? = nil
    var solvedFrom = "the precomputed tangent kernel K = G Gᵀ"
    do {
      if case .dense(let x) = rows, n.multipliedReportingOverflow(by: n * 16).partialValue > kernelMemory || n > 1 << 20
      {
        solution = try LinearSVM.train(features: x, labels: y, parameters: parameters)
        solvedFrom = "the feature rows, with libsvm's linear kernel"
      } else if n * n * 8 <= Self.storedKernelLimit {
        kernel = rows.gram()
        solution = try LinearSVM.train(kernel: kernel!, labels: y, parameters: parameters)
      } else {
        solution = try LinearSVM.train(kernelRows: { rows.gram(rows: $0) }, labels: y, parameters: parameters)
        solvedFrom += ", computed in blocks of rows (above \(Self.storedKernelLimit >> 20) MiB: not stored)"
      }
    } catch let error as SVMError {
      throw StageError("\(featuresPath): \(error)")
    }
    let weights = rows.combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
    log("layer \(features.layer): \(solution.supportIndices.count) support vectors of \(n) samples in \(seconds) s")
    try SVMArtifact.write(
      to: output, provenance: provenance, layer: features.layer, blocks: features.blocks,
      solution: solution, weights: weights, kernel: kernel, solvedFrom: solvedFrom,
      parameters: parameters)
  }
}
