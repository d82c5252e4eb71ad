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
