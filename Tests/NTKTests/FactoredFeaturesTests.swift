import LinearSVM
import NTKMath
import Testing

/// The factored path (δ and z per layer) against the dense feature rows.
@Suite struct FactoredFeaturesTests {
  static func rows(seed: UInt32) -> (dense: FeatureRows, factored: FeatureRows, network: ReLUNetwork) {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [6, 5], n: 30, seed: seed)
    let factors = network.tangentFactors(from: 0, of: network.forward(x))
    return (.dense(Matrix.concatenatingColumns(factors.map { $0.expanded() })), .factored(factors), network)
  }

  static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
    let scale = max(a.map(abs).max() ?? 0, 1)
    return a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * scale }
  }

  @Test func gramDotAndCombinationAgree() {
    let (dense, factored, network) = Self.rows(seed: 5)
    #expect(Self.close(dense.gram().values, factored.gram().values))
    let blocks = network.layers.map { $0.map { $0 * 0.5 + 0.1 } }
    #expect(Self.close(dense.dot(blocks, adding: 0.3), factored.dot(blocks, adding: 0.3)))
    let rows = [3, 0, 17, 29]
    let c = [0.5, -1, 0.25, -0.75]
    #expect(Self.close(dense.combination(of: rows, coefficients: c), factored.combination(of: rows, coefficients: c)))
  }

  /// Both training paths give the same SVM to 1e-9.
  @Test func kernelTrainingMatchesDenseTraining() throws {
    let (dense, factored, _) = Self.rows(seed: 9)
    guard case .dense(let x) = dense else {
      Issue.record("the dense rows are not dense")
      return
    }
    let y = (0..<30).map { s -> Double in (s * 7) % 5 < 2 ? 1 : -1 }  // not separable: some α at C
    let solution = try LibSVM.train(features: x, labels: y, parameters: SVMParameters())
    let weights = dense.combination(of: solution.supportIndices, coefficients: solution.dualCoefficients)
    let fromKernel = try LibSVM.train(kernel: factored.gram(), labels: y, parameters: SVMParameters())
    let recovered = factored.combination(of: fromKernel.supportIndices, coefficients: fromKernel.dualCoefficients)
    #expect(solution.supportIndices == fromKernel.supportIndices)
    #expect(Self.close(weights, recovered, 1e-9))
    #expect(abs(solution.intercept - fromKernel.intercept) <= 1e-9 * max(1, abs(solution.intercept)))
  }
}
