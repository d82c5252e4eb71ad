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
/// the loss's derivative; one forward and one backward pass over the samples
/// (LogisticLossEvaluator, in blocks of rows).
public struct LogisticLossGradient: Sendable {
  /// L(θ).
  public var loss: Double
  /// f(x_i) for every sample.
  public var outputs: [Double]
  /// ∇L for each selected layer, in the layer's shape (outputs × inputs).
  public var gradient: [Matrix]

  public init(network: ReLUNetwork, layers selection: Range<Int>, inputs x: Matrix, labels y: [Double]) {
    let evaluator = LogisticLossEvaluator(network: network, layers: selection, samples: x.rows)
    evaluator.evaluate(network, inputs: x, labels: y)
    loss = evaluator.loss
    outputs = evaluator.outputs
    gradient = evaluator.gradient
  }
}

/// L(θ), f and ∇L (LogisticLossGradient) for one network shape, layer
/// selection and number of samples, evaluated again and again (gradient
/// descent) in buffers allocated once: the samples pass through the network
/// in blocks of `blockRows` rows (NetworkBlockPass), each block's weights
///
///     c_s = −(1/m) y_s σ(−y_s f_s)
///
/// enter the backward pass as δ_L = c, and the block's products δ_kᵀ z_k add
/// up to Δ_kᵀ diag(c) Z_k. Memory beyond the inputs: O(blockRows · width + p + m).
public final class LogisticLossEvaluator {
  /// Rows per block: large enough for BLAS to run at speed, small enough to stay in cache.
  public static let defaultBlockRows = 1024

  public let selection: Range<Int>
  public let samples: Int
  /// L(θ) of the last evaluation.
  public private(set) var loss = Double.nan
  /// f(x_i) of the last evaluation, for every sample.
  public private(set) var outputs: [Double]
  /// ∇L of the last evaluation for each selected layer (outputs × inputs).
  public private(set) var gradient: [Matrix]

  private let pass: NetworkBlockPass
  private var flat: [Double]
  private var weights: [Double]

  public init(network: ReLUNetwork, layers selection: Range<Int>, samples: Int, blockRows: Int = defaultBlockRows) {
    precondition(samples > 0 && blockRows > 0 && network.layers.indices.contains(selection.upperBound - 1))
    self.selection = selection
    self.samples = samples
    pass = NetworkBlockPass(network: network, lowest: selection.lowerBound, capacity: min(blockRows, samples))
    outputs = [Double](repeating: 0, count: samples)
    gradient = selection.map { Matrix(rows: network.layers[$0].rows, columns: network.layers[$0].columns) }
    flat = [Double](repeating: 0, count: gradient.reduce(0) { $0 + $1.values.count })
    weights = [Double](repeating: 0, count: pass.capacity)
  }

  /// Evaluates L, f and ∇L at `network` on the samples `x` (m × d) with labels `y` (±1).
  public func evaluate(_ network: ReLUNetwork, inputs x: Matrix, labels y: [Double]) {
    precondition(x.rows == samples && y.count == samples)
    let m = Double(samples)
    var sum = 0.0
    var first = true
    for start in stride(from: 0, to: samples, by: pass.capacity) {
      let rows = start..<min(start + pass.capacity, samples)
      pass.forward(network, x, rows: rows)
      let f = pass.outputs
      weights.withUnsafeMutableBufferPointer { c in
        outputs.withUnsafeMutableBufferPointer { out in
          for s in 0..<rows.count {
            let (fs, ys) = (f[s], y[start + s])
            out[start + s] = fs
            sum += softplus(-ys * fs)
            c[s] = -negativeLossDerivative(output: fs, label: ys) / m
          }
        }
        pass.backward(network, weights: UnsafeBufferPointer(rebasing: c[0..<rows.count]))
      }
      flat.withUnsafeMutableBufferPointer { g in
        pass.accumulateProducts(of: selection, into: g.baseAddress!, adding: !first)
      }
      first = false
    }
    loss = sum / m
    var offset = 0
    for k in gradient.indices {
      let count = gradient[k].values.count
      gradient[k].values.withUnsafeMutableBufferPointer { g in
        flat.withUnsafeBufferPointer { source in
          g.baseAddress!.update(from: source.baseAddress! + offset, count: count)
        }
      }
      offset += count
    }
  }
}
