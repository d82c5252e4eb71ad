import Artifacts
import Foundation
import LinearSVM
import NTKMath
import StageSupport

/// The Nyström path: k = `landmarks` landmark training samples L (the first k
/// of numpy's `RandomState(landmarkSeed).permutation(m)`, ascending), the
/// features Φ = K∞(X, L)·K∞(L, L)^{−1/2} (NystromApproximation: m × k, dense,
/// in blocks of rows; the pseudo-inverse square root drops eigenvalues
/// ≤ 10⁻¹²·λ_max) and DualCoordinateDescent on Φ with the run's C and labels:
/// time and memory linear in m. Decisions f(x) = K∞(x, L)·v + b,
/// v = K∞(L, L)^{−1/2} w: test inputs streamed in blocks, training inputs as
/// Φ·w + b from the Φ in memory (the same f).
extension InfiniteKernelBaseline {
  func nystromSVM(_ inputs: Inputs, log: StageLog) throws -> Trained {
    let (truth, m, k, label) = (inputs.truth, inputs.m, landmarks, inputs.label)
    guard k <= m else { throw StageError("\(truthPath): --landmarks \(k) exceeds the \(m) training samples") }
    let y = try truth.labels(.train)
    // Before any work: the parameters and the labels (training checks them again).
    try solveSVM { try SVMParameters(C: linearParameters.C).validate(labels: y) }
    let x = try truth.inputs(.train).readMatrix()
    log(
      "\(label): Nyström approximation of K∞ from \(k) landmarks of \(m) training samples (seed \(landmarkSeed)), "
        + "d = \(inputs.network.inputDimension), widths \(inputs.network.hiddenWidths); "
        + "Φ takes \((m * k * 8) >> 20) MiB")

    let started = Date()
    let features = try nystromFeatures(x: x, ntk: inputs.ntk, selection: inputs.selection, label: label, log: log)
    let featureSeconds = Date().timeIntervalSince(started)
    let result = try solveSVM {
      try DualCoordinateDescent.solve(
        rows: .dense(features.phi), labels: y, parameters: linearParameters, log: log, label: label)
    }
    var training = SVMArtifact.Training.linear(result, parameters: linearParameters, storage: "Nyström")
    training.solvedFrom =
      "the Nyström features Φ = K∞(X, L)·K∞(L, L)^(−1/2) of the training set (m × k, dense), by the linear solver "
      + "(time linear in m)"
    training.seconds = Date().timeIntervalSince(started)
    let v = features.approximation.landmarkWeights(result.weights)
    let b = result.solution.intercept
    log(
      "\(label): Φ in \(String(format: "%.2f", featureSeconds)) s; \(result.solution.supportIndices.count) "
        + "support vectors of \(m) samples in \(String(format: "%.2f", training.seconds)) s")

    let trainError = zeroOneError(
      predicted: BLAS.product(features.phi, vector: result.weights, adding: b).map(sign), labels: y)
    let decisions = try testDecisions(
      landmarkInputs: features.landmarkInputs, weights: v, bias: b, inputs, title: "\(label): test decisions",
      log: log)
    let testError = zeroOneError(predicted: decisions.map(sign), labels: try truth.labels(.test))
    log("\(label): SVM on the Nyström features of K∞ \(trainError), \(testError)")
    let ridgeRegression = try nystromKernelRidge(x: x, y: y, features: features, inputs, log: log)
    log(
      "\(label): kernel ridge regression on the Nyström features \(ridgeRegression.result.trainError), "
        + "\(ridgeRegression.result.testError), test MSE \(ridgeRegression.result.testMSE)")
    return Trained(
      svm: .nystrom(
        .init(
          landmarks: features.indices, seed: Int(landmarkSeed), draw: Self.landmarkDraw,
          approximation: features.approximation, weights: result.weights, landmarkWeights: v,
          features: m * k * 8 <= SVMArtifact.storedKernelLimit ? features.phi : nil, training: training)),
      result: ModelResult(model: .ntkInfinite, trainError: trainError, testError: testError, approximate: true),
      ridgeRegression: ridgeRegression)
  }

  /// The landmarks, K∞(L, L)'s Nyström approximation and the features Φ of the training set.
  struct NystromFeatures {
    var indices: [Int]
    var landmarkInputs: Matrix
    var approximation: NystromApproximation
    var phi: Matrix
  }

  func nystromFeatures(
    x: Matrix, ntk: InfiniteWidthNTK, selection: Range<Int>, label: String, log: StageLog
  ) throws
    -> NystromFeatures
  {
    let m = x.rows
    let k = landmarks
    guard k <= m else { throw StageError("\(truthPath): --landmarks \(k) exceeds the \(m) training samples") }
    let indices = Self.landmarkIndices(samples: m, count: k, seed: landmarkSeed)
    let landmarkInputs = x.rows(at: indices)
    let landmarkKernel = ntk.kernel(of: landmarkInputs, layers: selection)
    let approximation = NystromApproximation(landmarkKernel: landmarkKernel)
    guard approximation.rank > 0 else {
      throw StageError("\(truthPath): K∞ of the \(k) landmarks is zero (every landmark input is zero)")
    }
    log(
      "\(label): K∞(L, L)^(−1/2) of rank \(approximation.rank) of \(k) (eigenvalues "
        + String(format: "%.3g … %.3g", approximation.eigenvalues.first!, approximation.eigenvalues.last!) + ")")
    let progress = Progress(log, "\(label): Nyström features", total: m, unit: "rows")
    let phi = approximation.features(
      samples: m, blockRows: streamingBlockRows(rowLength: max(k, x.columns)),
      crossKernel: { rows in
        ntk.crossKernel(
          rows: rows, of: x, landmarks: indices, landmarkInputs: landmarkInputs, landmarkKernel: landmarkKernel,
          layers: selection)
      }, afterBlock: progress.advance(by:))
    progress.finish()
    return NystromFeatures(indices: indices, landmarkInputs: landmarkInputs, approximation: approximation, phi: phi)
  }

  /// K∞(x, L)·v + b for every test input x (L the landmarks' inputs), streamed in blocks of rows.
  func testDecisions(
    landmarkInputs: Matrix, weights v: [Double], bias b: Double = 0, _ inputs: Inputs, title: String, log: StageLog
  ) throws -> [Double] {
    let testInputs = try inputs.truth.inputs(.test)
    var decisions: [Double] = []
    decisions.reserveCapacity(testInputs.shape[0])
    let progress = Progress(log, title, total: testInputs.shape[0])
    try testInputs.forEachBlock(rows: streamingBlockRows(rowLength: max(landmarkInputs.rows, landmarkInputs.columns))) {
      _, block in
      decisions += BLAS.product(
        inputs.ntk.kernel(block, landmarkInputs, layers: inputs.selection), vector: v, adding: b)
      progress.advance(by: block.rows)
    }
    progress.finish()
    return decisions
  }
}
