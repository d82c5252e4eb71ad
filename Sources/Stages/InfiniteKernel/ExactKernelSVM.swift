import Artifacts
import Foundation
import LinearSVM
import NTKMath
import StageSupport

/// The exact path: libsvm on K∞ of the training set, K∞ computed whole and
/// kept in the artifact where it may be (SVMArtifact.keepsKernel), otherwise
/// handed to libsvm in blocks of rows; decisions Σ_i c_i K∞(x, x_i) + b
/// from the inputs streamed in blocks against the support vectors (the
/// m_test × m cross kernel is never formed).
extension InfiniteKernelBaseline {
  func exactKernelSVM(_ inputs: Inputs, log: StageLog) throws -> Trained {
    let (truth, m, label) = (inputs.truth, inputs.m, inputs.label)
    guard SolverChoice.kernelFits(samples: m, kernelMemory: kernelMemory) else {
      throw StageError(
        "\(truthPath): libsvm's copy of K∞ for \(m) training samples needs "
          + "\(Int(Double(m) * Double(m) * 16 / Double(1 << 20))) MiB, more than --kernel-memory-gib allows")
    }
    let y = try truth.labels(.train)
    let x = try truth.inputs(.train).readMatrix()
    log(
      "\(label): K∞ of \(m) training samples, d = \(inputs.network.inputDimension), "
        + "widths \(inputs.network.hiddenWidths)")
    let (solution, kernel, solvedFrom) = try trainOnKernel(x: x, y: y, inputs, log: log)
    let exactRidge =
      try ridgeMethod(samples: m) == .exact ? exactKernelRidge(kernel: kernel!, labels: y, label: label, log: log) : nil
    let errors = try decisions(x: x, solution: solution, ridge: exactRidge, inputs, log: log)
    log("\(label): SVM on K∞ \(errors.svm[.train]!), \(errors.svm[.test]!)")
    let ridgeRegression: InfiniteKernelArtifact.KernelRidge
    if let exactRidge {
      ridgeRegression = exactRidge.artifact(relativeRidge: krrRidge, result: errors.ridge!)
    } else {
      let features = try nystromFeatures(x: x, ntk: inputs.ntk, selection: inputs.selection, label: label, log: log)
      ridgeRegression = try nystromKernelRidge(x: x, y: y, features: features, inputs, log: log)
    }
    log(
      "\(label): kernel ridge regression on K∞ \(ridgeRegression.result.trainError), "
        + "\(ridgeRegression.result.testError), test MSE \(ridgeRegression.result.testMSE)")
    return Trained(
      svm: .exact(solution: solution, kernel: kernel, solvedFrom: solvedFrom),
      result: ModelResult(model: .ntkInfinite, trainError: errors.svm[.train]!, testError: errors.svm[.test]!),
      ridgeRegression: ridgeRegression)
  }

  /// libsvm on K∞ of the training set: the solution, K∞ where the artifact keeps it, and how it was solved.
  func trainOnKernel(
    x: Matrix, y: [Double], _ inputs: Inputs, log: StageLog
  ) throws -> (SVMSolution, Matrix?, String) {
    let (ntk, selection, m, label) = (inputs.ntk, inputs.selection, inputs.m, inputs.label)
    let started = Date()
    var kernel: Matrix? = nil
    var kernelSeconds = 0.0
    var solvedFrom = "the exact K∞ of the training set, precomputed, with libsvm"
    let solution = try solveSVM {
      if SVMArtifact.keepsKernel(samples: m) {
        kernel = ntk.kernel(of: x, layers: selection)
        kernelSeconds = Date().timeIntervalSince(started)
        return try LibSVM.train(kernel: kernel!, labels: y, parameters: parameters)
      }
      let progress = Progress(log, "\(label): K∞ rows", total: m, unit: "rows")
      let solution = try LibSVM.train(
        kernelRows: { rows in
          let blockStarted = Date()
          defer {
            kernelSeconds += Date().timeIntervalSince(blockStarted)
            progress.advance(by: rows.count)
          }
          return ntk.kernel(rows: rows, of: x, layers: selection)
        }, labels: y, parameters: parameters)
      progress.finish()
      solvedFrom += ", computed in blocks of rows (above \(SVMArtifact.storedKernelLimit >> 20) MiB: not stored)"
      return solution
    }
    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
    log("\(label): K∞ of \(m) × \(m) in \(String(format: "%.2f", kernelSeconds)) s")
    log("\(label): \(solution.supportIndices.count) support vectors of \(m) samples in \(seconds) s")
    return (solution, kernel, solvedFrom)
  }

  /// The SVM's 0-1 error on each split and, with an exact ridge regression, its errors and test MSE. The SVM's
  /// decisions stream each split's inputs in blocks of about 8 MiB against the support vectors; on the test
  /// split with the exact ridge regression, one block against every training sample serves both.
  func decisions(
    x: Matrix, solution: SVMSolution, ridge: ExactRidge?, _ inputs: Inputs, log: StageLog
  ) throws -> (svm: [Split: Double], ridge: ModelResult?) {
    let (truth, ntk, selection, m) = (inputs.truth, inputs.ntk, inputs.selection, inputs.m)
    let support = x.rows(at: solution.supportIndices)
    var errors: [Split: Double] = [:]
    var ridgeErrors: [Split: Double] = [:]
    var ridgeMSE = Double.nan
    for split in Split.allCases {
      let labels = try truth.labels(split)
      var predicted: [Double] = []
      predicted.reserveCapacity(labels.count)
      var fitted: [Double] = []
      let progress = Progress(log, "\(inputs.label): \(split) decisions", total: labels.count)
      if split == .test, let ridge {
        try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: m)) { _, block in
          let k = ntk.kernel(block, x, layers: selection)
          fitted += BLAS.product(k, vector: ridge.alpha)
          predicted +=
            BLAS.product(
              k.columns(at: solution.supportIndices), vector: solution.dualCoefficients,
              adding: solution.intercept
            ).map(sign)
          progress.advance(by: block.rows)
        }
      } else {
        try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: support.rows)) { _, block in
          let k = ntk.kernel(block, support, layers: selection)
          predicted += BLAS.product(k, vector: solution.dualCoefficients, adding: solution.intercept).map(sign)
          progress.advance(by: block.rows)
        }
        if split == .train, let ridge { fitted = ridge.fitted }
      }
      progress.finish()
      errors[split] = zeroOneError(predicted: predicted, labels: labels)
      if ridge != nil {
        ridgeErrors[split] = zeroOneError(predicted: fitted.map(sign), labels: labels)
        if split == .test { ridgeMSE = meanSquaredError(fitted, labels) }
      }
    }
    let ridgeResult =
      ridge == nil
      ? nil
      : ModelResult(
        model: .krrInfinite, trainError: ridgeErrors[.train]!, testError: ridgeErrors[.test]!, testMSE: ridgeMSE)
    return (errors, ridgeResult)
  }
}
