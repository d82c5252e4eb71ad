import Foundation
import NTKMath
import Testing

/// Loss-gradient features g(x, y) = −∂ℓ/∂θ = y·σ(−y·f)·∂f/∂θ.
@Suite struct LossFeaturesTests {
  /// ℓ(f, y) = −y01·log σ(f) − (1 − y01)·log(1 − σ(f)) = log(1 + e^(−y·f)), computed stably.
  static func loss(_ f: Double, _ y: Double) -> Double {
    let t = -y * f
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
  }

  @Test(arguments: [1.0, -1.0])
  func matchFiniteDifferencesOfTheNegativeLoss(label y: Double) {
    let (network, x) = TangentFeaturesTests.problem(d: 4, widths: [5, 3], n: 5, seed: 11)
    let pass = network.forward(x)
    for index in network.layers.indices {
      var factors = network.tangentFactors(from: index, of: pass)[0]
      factors.scaleSamples(by: pass.output.map { negativeLossDerivative(output: $0, label: y) })
      let features = factors.expanded()
      let h = 1e-6
      for s in 0..<x.rows {
        let row = x.rows(s..<(s + 1))
        for k in network.layers[index].values.indices {
          var plus = network, minus = network
          plus.layers[index].values[k] += h
          minus.layers[index].values[k] -= h
          let numeric =
            -(Self.loss(plus.forward(row).output[0], y) - Self.loss(minus.forward(row).output[0], y)) / (2 * h)
          #expect(abs(features[s, k] - numeric) <= 1e-7)
        }
      }
    }
  }

  @Test func logisticIsFiniteAndAccurateFarOut() {
    #expect(logistic(1000) == 1)
    #expect(logistic(-1000) == 0)
    #expect(logistic(-700) > 0 && abs(logistic(-700) / exp(-700) - 1) < 1e-12)
    #expect(logistic(0) == 0.5)
    // A confidently right sample gets weight ~0, a confidently wrong one weight ±1.
    #expect(negativeLossDerivative(output: 1000, label: 1) == 0)
    #expect(negativeLossDerivative(output: 1000, label: -1) == -1)
    #expect(negativeLossDerivative(output: -1000, label: 1) == 1)
    #expect(abs(negativeLossDerivative(output: 0.3, label: -1) - (-1 / (1 + exp(-0.3)))) < 1e-15)
  }
}
