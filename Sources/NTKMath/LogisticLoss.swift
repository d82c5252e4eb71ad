import Foundation

/// log(1 + e^t), finite and accurate for any t: max(t, 0) + log1p(e^(−|t|)).
@inlinable public func softplus(_ t: Double) -> Double { max(t, 0) + log1p(exp(-abs(t))) }

/// The mean logistic loss of a network on labelled samples and its gradient
/// with respect to a selection of layers:
///
///     L(θ) = (1/m) Σ_i log(1 + exp(−y_i f(x_i; θ))),
///     ∇_{W_l} L = Σ_i c_i δ_l(x_i) z_{l−1}(x_i)ᵀ = Δ_lᵀ diag(c) Z_{l−1},   c_i = −(1/m) y_i σ(−y_i f_i),
///
/// the tangent factors of the selected layers (TangentFactors) weighted by
/// the loss's derivative; one forward and one backward pass over the samples.
public struct LogisticLossGradient: Sendable {
  /// L(θ).
  public var loss: Double
  /// f(x_i) for every sample.
  public var outputs: [Double]
  /// ∇L for each selected layer, in the layer's shape (outputs × inputs).
  public var gradient: [Matrix]

  public init(network: ReLUNetwork, layers selection: Range<Int>, inputs x: Matrix, labels y: [Double]) {
    precondition(x.rows == y.count && !y.isEmpty)
    let pass = network.forward(x)
    let m = Double(y.count)
    outputs = pass.output
    loss = zip(outputs, y).reduce(0) { $0 + softplus(-$1.1 * $1.0) } / m
    let c = zip(outputs, y).map { f, y in -negativeLossDerivative(output: f, label: y) / m }
    gradient = network.tangentFactors(from: selection.lowerBound, of: pass).prefix(selection.count).map { factor in
      var weighted = factor.input
      let n = weighted.columns
      weighted.values.withUnsafeMutableBufferPointer { z in
        for s in 0..<weighted.rows {
          for j in 0..<n { z[s * n + j] *= c[s] }
        }
      }
      return BLAS.product(factor.delta, weighted, transposeA: true)
    }
  }
}
