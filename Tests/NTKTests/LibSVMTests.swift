import LinearSVM
import NTKMath
import Testing

/// libsvm's solution and w = Σ_i y_i α_i x_i, as the train stage forms it.
private func trainLinear(
  _ x: Matrix, _ labels: [Double], _ parameters: SVMParameters
) throws
  -> (SVMSolution, [Double])
{
  let solution = try LibSVM.train(features: x, labels: labels, parameters: parameters)
  return (
    solution, FeatureRows.dense(x).combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
  )
}

@Suite struct LibSVMTests {
  /// Two points x = ±1 on a line with labels ±1: the maximum-margin solution is
  /// w = 1, b = 0, both points support vectors with α = ½ (C ≥ ½ leaves it unclipped).
  @Test func twoPointsHaveTheKnownSolution() throws {
    let x = Matrix(rows: 2, columns: 1, values: [1, -1])
    let (solution, w) = try trainLinear(x, [1, -1], SVMParameters(C: 10))
    #expect(abs(w[0] - 1) < 1e-12)
    #expect(abs(solution.intercept) < 1e-12)
    // scikit-learn's order: class −1 first; dual_coef_ = y_i α_i.
    #expect(solution.supportIndices == [1, 0])
    #expect(solution.supportCounts == [1, 1])
    #expect(zip(solution.dualCoefficients, [-0.5, 0.5]).allSatisfy { abs($0 - $1) < 1e-12 })
  }

  /// With C below ½ both points stay inside the margin: α = C, w = 2C.
  @Test func smallCClipsTheDualCoefficients() throws {
    let x = Matrix(rows: 2, columns: 1, values: [1, -1])
    let (solution, w) = try trainLinear(x, [1, -1], SVMParameters(C: 0.25))
    #expect(abs(w[0] - 0.5) < 1e-12)
    #expect(solution.dualCoefficients.map(abs).allSatisfy { abs($0 - 0.25) < 1e-12 })
  }

  /// A positive decision means +1, whichever label comes first in the data.
  @Test(arguments: [[1.0, -1, 1, -1], [-1.0, 1, -1, 1]])
  func decisionSignFollowsScikitLearn(labels: [Double]) throws {
    let x = Matrix(rows: 4, columns: 2, values: labels.flatMap { [$0 * 2 + 0.1, $0 - 0.3] })
    let (solution, w) = try trainLinear(x, labels, SVMParameters())
    let decision = BLAS.product(x, vector: w, adding: solution.intercept)
    #expect(decision.map(sign) == labels)
  }

  /// The kernel path gives the same dual solution as the linear path.
  @Test func precomputedKernelAgreesWithLinearKernel() throws {
    let x = Matrix(rows: 6, columns: 3, values: [1, 2, 0, -1, 0.5, 2, 3, -1, 1, -2, -2, 0.5, 0.3, 0.2, -1, 1, 1, 1])
    let y: [Double] = [1, -1, 1, -1, -1, 1]
    let linear = try LibSVM.train(features: x, labels: y, parameters: SVMParameters())
    let kernel = try LibSVM.train(
      kernel: BLAS.product(x, x, transposeB: true), labels: y, parameters: SVMParameters())
    #expect(linear.supportIndices == kernel.supportIndices)
    #expect(abs(linear.intercept - kernel.intercept) < 1e-12)
    #expect(zip(linear.dualCoefficients, kernel.dualCoefficients).allSatisfy { abs($0 - $1) < 1e-12 })
  }

  @Test func rejectsBadLabelsAndParameters() {
    let x = Matrix(rows: 2, columns: 1, values: [1, -1])
    #expect(throws: SVMError.self) { try LibSVM.train(features: x, labels: [1, 1], parameters: SVMParameters()) }
    #expect(throws: SVMError.self) { try LibSVM.train(features: x, labels: [1, 0], parameters: SVMParameters()) }
    #expect(throws: SVMError.self) {
      try LibSVM.train(features: x, labels: [1, -1], parameters: SVMParameters(C: 0))
    }
    #expect(throws: SVMError.self) {
      try LibSVM.train(features: x, labels: [1, -1], parameters: SVMParameters(C: .nan))
    }
  }
}
