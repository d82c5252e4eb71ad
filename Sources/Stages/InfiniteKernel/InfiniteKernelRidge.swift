import Artifacts
import Foundation
import NTKMath
import StageSupport

/// krr_infinite: kernel ridge regression with K∞ on the ±1 labels,
/// λ = `krrRidge`·tr(K∞)/m (KernelRidgeRegression), exact or on the Nyström
/// features as `ridgeMethod` decides.
extension InfiniteKernelBaseline {
  /// How krr_infinite is solved.
  enum RidgeMethod {
    /// A Cholesky solve of K∞ + λI, its test decisions from the SVM's streamed cross-kernel blocks.
    case exact
    /// Ridge regression on the Nyström features Φ of the landmarks, marked approximate.
    case nystrom
  }

  /// Exact where the exact path holds K∞ of the training set in memory, which is where the artifact keeps it
  /// (SVMArtifact.keepsKernel: m²·8 bytes ≤ 256 MiB, m ≤ 5792): the Cholesky solve needs the whole m × m
  /// matrix, and above that size libsvm's K∞ is streamed by rows and never held. Nyström above, and on the
  /// Nyström path at any m (docs/theory.md, "The model row krr_infinite").
  func ridgeMethod(samples m: Int) -> RidgeMethod {
    solver.usesLibSVM(samples: m, kernelMemory: kernelMemory) && SVMArtifact.keepsKernel(samples: m)
      ? .exact : .nystrom
  }

  /// The exact ridge regression: its coefficients α = (K∞ + λI)⁻¹ y, λ, tr(K∞) and the fitted K∞ α.
  struct ExactRidge {
    var alpha: [Double]
    var ridge: Double
    var trace: Double
    var fitted: [Double]

    func artifact(relativeRidge: Double, result: ModelResult) -> InfiniteKernelArtifact.KernelRidge {
      .init(
        relativeRidge: relativeRidge, ridge: ridge, trace: trace, coefficients: alpha, featureWeights: nil,
        result: result)
    }
  }

  func exactKernelRidge(kernel: Matrix, labels y: [Double], label: String, log: StageLog) throws -> ExactRidge {
    let m = y.count
    let started = Date()
    let trace = (0..<m).reduce(0.0) { $0 + kernel[$1, $1] }
    let ridge = KernelRidgeRegression.ridge(relative: krrRidge, trace: trace, samples: m)
    let alpha = try solveRidge { try KernelRidgeRegression.coefficients(kernel: kernel, labels: y, ridge: ridge) }
    log(
      "\(label): kernel ridge regression, λ = \(String(format: "%.4g", ridge)) (K∞ + λI by Cholesky) in "
        + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
    return ExactRidge(alpha: alpha, ridge: ridge, trace: trace, fitted: BLAS.product(kernel, vector: alpha))
  }

  /// krr_infinite by ridge regression on Φ, with the exact K∞'s trace in λ; its test decisions
  /// streamed against the landmarks.
  func nystromKernelRidge(
    x: Matrix, y: [Double], features: NystromFeatures, _ inputs: Inputs, log: StageLog
  ) throws -> InfiniteKernelArtifact.KernelRidge {
    let m = x.rows
    let started = Date()
    let trace = inputs.ntk.diagonal(of: x, layers: inputs.selection).reduce(0, +)
    let ridge = KernelRidgeRegression.ridge(relative: krrRidge, trace: trace, samples: m)
    let w = try solveRidge { try KernelRidgeRegression.weights(features: features.phi, labels: y, ridge: ridge) }
    let v = features.approximation.landmarkWeights(w)
    log(
      "\(inputs.label): kernel ridge regression on the Nyström features (approximate), λ = "
        + String(format: "%.4g", ridge) + ", solved in " + String(format: "%.2f", Date().timeIntervalSince(started))
        + " s")
    let fitted = BLAS.product(features.phi, vector: w)
    let labels = try inputs.truth.labels(.test)
    let f = try testDecisions(
      landmarkInputs: features.landmarkInputs, weights: v, inputs,
      title: "\(inputs.label): ridge regression's test decisions", log: log)
    return InfiniteKernelArtifact.KernelRidge(
      relativeRidge: krrRidge, ridge: ridge, trace: trace, coefficients: v, featureWeights: w,
      result: ModelResult(
        model: .krrInfinite, trainError: zeroOneError(predicted: fitted.map(sign), labels: y),
        testError: zeroOneError(predicted: f.map(sign), labels: labels), approximate: true,
        testMSE: meanSquaredError(f, labels)))
  }

  /// Runs a ridge solve, its failure as a stage error naming the file.
  func solveRidge(_ solve: () throws -> [Double]) throws -> [Double] {
    do { return try solve() } catch let error as KernelRidgeError {
      throw StageError("\(truthPath): krr_infinite with --krr-ridge \(krrRidge): \(error)")
    }
  }
}
