import Foundation
import NTKMath
import Testing

/// The mean logistic loss and its gradient (LogisticLossGradient), and λ_max.
@Suite struct GradientDescentTests {
  /// ∇L against central differences of L, for every layer and for all at once.
  @Test(arguments: [0..<1, 1..<2, 2..<3, 0..<3])
  func gradientMatchesFiniteDifferences(layers: Range<Int>) {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [5, 3], n: 7, seed: 5)
    let y: [Double] = [1, -1, -1, 1, 1, -1, 1]
    let exact = LogisticLossGradient(network: network, layers: layers, inputs: x, labels: y)
    let h = 1e-6
    for (k, l) in layers.enumerated() {
      for i in network.layers[l].values.indices {
        var plus = network, minus = network
        plus.layers[l].values[i] += h
        minus.layers[l].values[i] -= h
        let numeric =
          (LogisticLossGradient(network: plus, layers: layers, inputs: x, labels: y).loss
            - LogisticLossGradient(network: minus, layers: layers, inputs: x, labels: y).loss) / (2 * h)
        #expect(abs(exact.gradient[k].values[i] - numeric) <= 1e-8)
      }
    }
  }

  @Test func lossIsFiniteForLargeOutputs() {
    #expect(softplus(1000) == 1000)
    #expect(softplus(-1000) == 0)
    #expect(abs(softplus(0) - log(2)) < 1e-16)
    #expect(abs(softplus(-30) - exp(-30)) < 1e-25)
  }

  /// The evaluator in blocks of 1, 3 and 64 rows gives the one-block loss,
  /// outputs and gradient (to rounding), evaluated twice in the same buffers.
  @Test(arguments: [0..<1, 1..<2, 2..<3, 0..<3])
  func blocksAgreeWithOneBlock(layers: Range<Int>) {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [5, 3], n: 23, seed: 8)
    let y = (0..<23).map { $0 % 3 == 0 ? 1.0 : -1.0 }
    let whole = LogisticLossEvaluator(network: network, layers: layers, samples: 23, blockRows: 23)
    whole.evaluate(network, inputs: x, labels: y)
    for blockRows in [1, 3, 64] {
      let blocked = LogisticLossEvaluator(network: network, layers: layers, samples: 23, blockRows: blockRows)
      for _ in 0..<2 {
        blocked.evaluate(network, inputs: x, labels: y)
        #expect(abs(blocked.loss - whole.loss) <= 1e-15 * whole.loss)
        #expect(blocked.outputs == whole.outputs)
        for (g, h) in zip(blocked.gradient, whole.gradient) {
          let scale = h.values.map(abs).max()!
          #expect(zip(g.values, h.values).allSatisfy { abs($0 - $1) <= 1e-14 * scale })
        }
      }
    }
  }

  /// One worker or three give the same numbers, bit for bit: the chunks'
  /// partial sums do not depend on who computes them.
  @Test func workersDoNotChangeTheNumbers() {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [5, 3], n: 50, seed: 9)
    let y = (0..<50).map { $0 % 4 == 0 ? 1.0 : -1.0 }
    let one = LogisticLossEvaluator(network: network, layers: 0..<3, samples: 50, blockRows: 4, threads: 1)
    let three = LogisticLossEvaluator(network: network, layers: 0..<3, samples: 50, blockRows: 4, threads: 3)
    one.evaluate(network, inputs: x, labels: y)
    three.evaluate(network, inputs: x, labels: y)
    #expect(three.threads == 3)
    #expect(one.loss == three.loss && one.outputs == three.outputs && one.gradient == three.gradient)
  }

  /// λ_max(K) by Gᵀ G and by Lanczos (on Gᵀ G for p ≤ m, on G Gᵀ for p > m)
  /// against dsyevr of K = G Gᵀ, K formed from the tangent factors.
  @Test(arguments: [(0..<1, 40), (1..<2, 40), (2..<3, 40), (0..<3, 40), (0..<1, 9), (0..<3, 9)])
  func largestTangentKernelEigenvalue(layers: Range<Int>, n: Int) {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [5, 3], n: n, seed: 12)
    let factors = network.tangentFactors(from: layers.lowerBound, of: network.forward(x)).prefix(layers.count)
    let expected = FeatureRows.factored(Array(factors)).gram().largestSymmetricEigenvalue()
    for method in [TangentEigenMethod.gram, .lanczos] {
      let found = TangentKernelEigenvalue.largest(
        network: network, layers: layers, inputs: x, method: method, blockRows: 4)
      #expect(found.method == method)
      #expect(abs(found.value - expected) <= 1e-12 * expected, "\(method): \(found.value), expected \(expected)")
      #expect(found.lanczos?.converged ?? true)
    }
  }

  /// Lanczos on diag(1 … 200) rotated by a Householder reflection: λ_max = 200,
  /// converged by the residual rule well before n steps.
  @Test func lanczosFindsTheLargestEigenvalue() {
    let n = 200
    var v = (0..<n).map { sin(Double($0) + 1) }
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    v = v.map { $0 / norm }
    // A = H diag(1 … n) H, H = I − 2 v vᵀ.
    let result = LanczosEigenvalue.largest(dimension: n) { x, y in
      let vx = (0..<n).reduce(0) { $0 + v[$1] * x[$1] }
      var hx = (0..<n).map { x[$0] - 2 * vx * v[$0] }
      for i in 0..<n { hx[i] *= Double(i + 1) }
      let vd = (0..<n).reduce(0) { $0 + v[$1] * hx[$1] }
      for i in 0..<n { y[i] = hx[i] - 2 * vd * v[i] }
    }
    #expect(result.converged)
    #expect(abs(result.value - 200) <= 1e-12 * 200)
    #expect(result.residual <= 1e-13 * result.value)
  }

  /// λ_max of diag(1, 5, 3) rotated, and of a 2 × 2 with a known spectrum.
  @Test func largestEigenvalueIsExact() {
    #expect(abs(Matrix(rows: 2, columns: 2, values: [2, 1, 1, 2]).largestSymmetricEigenvalue() - 3) <= 1e-15 * 3)
    let c = cos(0.3), s = sin(0.3)
    // Q diag(1, 5) Qᵀ for a rotation Q.
    let a = Matrix(
      rows: 2, columns: 2, values: [c * c + 5 * s * s, (1 - 5) * c * s, (1 - 5) * c * s, s * s + 5 * c * c])
    #expect(abs(a.largestSymmetricEigenvalue() - 5) <= 1e-14 * 5)
  }
}
