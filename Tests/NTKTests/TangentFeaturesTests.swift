import LegacyRandom
import NTKMath
import Testing

/// Tangent features against central finite differences of f.
@Suite struct TangentFeaturesTests {
  /// A random network with hidden widths `widths` on inputs of dimension d, and n inputs.
  static func problem(d: Int, widths: [Int], n: Int, seed: UInt32) -> (ReLUNetwork, Matrix) {
    var generator = LegacyGenerator(seed: seed)
    let sizes = [d] + widths + [1]
    let layers = (0..<(sizes.count - 1)).map { l in
      Matrix(rows: sizes[l + 1], columns: sizes[l], values: generator.normals(count: sizes[l] * sizes[l + 1]))
    }
    return (ReLUNetwork(layers: layers), Matrix(rows: n, columns: d, values: generator.normals(count: n * d)))
  }

  /// (f(θ + h e_k) − f(θ − h e_k)) / 2h for every weight k of layer `index`, sample `s`.
  static func finiteDifferences(_ network: ReLUNetwork, layer index: Int, x: Matrix, sample s: Int) -> [Double] {
    let h = 1e-6
    let row = x.rows(s..<(s + 1))
    return network.layers[index].values.indices.map { k in
      var plus = network, minus = network
      plus.layers[index].values[k] += h
      minus.layers[index].values[k] -= h
      return (plus.forward(row).output[0] - minus.forward(row).output[0]) / (2 * h)
    }
  }

  /// Each layer's features, computed from that layer on (`from: index`) and as part of every
  /// layer at once (`from: 0`), each against finite differences of f: the oracle for both.
  @Test(arguments: [[5, 4], [6, 3, 4], []])
  func everyLayerMatchesFiniteDifferences(widths: [Int]) {
    let (network, x) = Self.problem(d: 5, widths: widths, n: 7, seed: 3)
    let pass = network.forward(x)
    let all = network.tangentFactors(from: 0, of: pass)
    #expect(all.count == network.layers.count)
    for index in network.layers.indices {
      let numeric = (0..<x.rows).map { Self.finiteDifferences(network, layer: index, x: x, sample: $0) }
      let computed = [
        ("from layer \(index)", network.tangentFactors(from: index, of: pass)[0].expanded()),
        ("from layer 0", all[index].expanded()),
      ]
      for (how, features) in computed {
        #expect(features.shape == [7, network.layers[index].values.count], "\(how)")
        for s in 0..<x.rows {
          let analytic = Array(features.values[(s * features.columns)..<((s + 1) * features.columns)])
          // f is piecewise linear in one layer's weights: the difference is exact up to rounding
          // unless a ReLU switches inside ±h, which these draws avoid.
          for (a, b) in zip(analytic, numeric[s]) {
            #expect(abs(a - b) <= 1e-7 * max(1, abs(a)), "layer \(index) \(how), sample \(s)")
          }
        }
      }
    }
  }

  @Test func outputLayerFeaturesAreTheLastHiddenActivations() {
    let (network, x) = Self.problem(d: 4, widths: [3, 5], n: 6, seed: 8)
    let pass = network.forward(x)
    #expect(network.tangentFactors(from: 2, of: pass)[0].expanded() == pass.inputs[2])
  }

  @Test func flattenIsRowMajorOverOutputsThenInputs() {
    let factors = TangentFactors(
      delta: Matrix(rows: 1, columns: 2, values: [2, 3]), input: Matrix(rows: 1, columns: 3, values: [1, 10, 100]))
    #expect(factors.expanded().values == [2, 20, 200, 3, 30, 300])
  }

  @Test func signSendsZeroToMinusOne() {
    #expect(sign(0) == -1 && sign(-0.0) == -1 && sign(1e-300) == 1)
    #expect(zeroOneError(predicted: [1, -1, 1, 1], labels: [1, 1, 1, -1]) == 0.5)
  }
}
