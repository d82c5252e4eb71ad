import COpenBLAS
import Dispatch
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
/// up to Δ_kᵀ diag(c) Z_k. The blocks form at most `chunkLimit` chunks of
/// consecutive blocks, each summed on its own (loss and gradient) and then
/// added in order, so that `threads` workers (Parallel.threads by default)
/// take whole chunks as they come free, each with its own buffers and
/// one-thread BLAS, and the numbers depend neither on
/// the number of workers nor on which worker took which chunk.
/// Memory beyond the inputs: O(threads · blockRows · width + chunks · p + m).
public final class LogisticLossEvaluator: @unchecked Sendable {
  /// Rows per block: large enough for BLAS to run at speed, small enough to stay in cache.
  public static let defaultBlockRows = 1024
  /// The most chunks (partial sums) the blocks form.
  public static let chunkLimit = 8

  public let selection: Range<Int>
  public let samples: Int
  /// The workers that evaluate chunks side by side.
  public let threads: Int
  /// L(θ) of the last evaluation.
  public private(set) var loss = Double.nan
  /// ∇L of the last evaluation for each selected layer (outputs × inputs).
  public private(set) var gradient: [Matrix]

  private let passes: [NetworkBlockPass]
  private let blockRows: Int
  /// Rows of each chunk: consecutive blocks.
  private let chunks: [Range<Int>]
  private let featureCount: Int
  /// f of every sample; the chunks' gradients (chunks × p) and losses; each worker's weights (blockRows).
  private let output: UnsafeMutablePointer<Double>
  private let partialGradients: UnsafeMutablePointer<Double>
  private let partialLosses: UnsafeMutablePointer<Double>
  private let weights: UnsafeMutablePointer<Double>

  public init(
    network: ReLUNetwork, layers selection: Range<Int>, samples: Int, blockRows: Int = defaultBlockRows,
    threads: Int? = nil
  ) {
    precondition(samples > 0 && blockRows > 0 && network.layers.indices.contains(selection.upperBound - 1))
    self.selection = selection
    self.samples = samples
    let rows = min(blockRows, samples)
    self.blockRows = rows
    let blocks = (samples + rows - 1) / rows
    let chunkCount = min(blocks, Self.chunkLimit)
    chunks = (0..<chunkCount).map { c in
      (c * blocks / chunkCount * rows)..<min((c + 1) * blocks / chunkCount * rows, samples)
    }
    self.threads = max(1, min(threads ?? Parallel.threads, chunkCount))
    passes = (0..<self.threads).map { _ in
      NetworkBlockPass(network: network, lowest: selection.lowerBound, capacity: rows)
    }
    gradient = selection.map { Matrix(rows: network.layers[$0].rows, columns: network.layers[$0].columns) }
    featureCount = gradient.reduce(0) { $0 + $1.values.count }
    output = .allocate(capacity: samples)
    partialGradients = .allocate(capacity: chunkCount * featureCount)
    partialLosses = .allocate(capacity: chunkCount)
    weights = .allocate(capacity: self.threads * rows)
  }

  deinit {
    output.deallocate()
    partialGradients.deallocate()
    partialLosses.deallocate()
    weights.deallocate()
  }

  /// f(x_i) of the last evaluation, for every sample.
  public var outputs: [Double] { Array(UnsafeBufferPointer(start: output, count: samples)) }

  /// Evaluates L, f and ∇L at `network` on the samples `x` (m × d) with labels `y` (±1).
  public func evaluate(_ network: ReLUNetwork, inputs x: Matrix, labels y: [Double]) {
    precondition(x.rows == samples && y.count == samples)
    // Nothing in a chunk throws.
    try! Parallel.forEach(chunks.count, workers: threads) { c, worker in
      evaluate(chunk: c, worker: worker, network, x, y)
    }
    var sum = 0.0
    for c in chunks.indices { sum += partialLosses[c] }
    loss = sum / Double(samples)
    for c in chunks.indices.dropFirst() {
      let partial = partialGradients + c * featureCount
      for i in 0..<featureCount { partialGradients[i] += partial[i] }
    }
    var offset = 0
    for k in gradient.indices {
      let count = gradient[k].values.count
      gradient[k].values.withUnsafeMutableBufferPointer { g in
        g.baseAddress!.update(from: partialGradients + offset, count: count)
      }
      offset += count
    }
  }

  /// One chunk's loss (unscaled sum) and gradient, by one worker's pass.
  private func evaluate(chunk c: Int, worker: Int, _ network: ReLUNetwork, _ x: Matrix, _ y: [Double]) {
    let pass = passes[worker]
    let m = Double(samples)
    let c0 = weights + worker * blockRows
    var sum = 0.0
    for start in stride(from: chunks[c].lowerBound, to: chunks[c].upperBound, by: blockRows) {
      let rows = start..<min(start + blockRows, chunks[c].upperBound)
      pass.forward(network, x, rows: rows)
      let f = pass.outputs
      y.withUnsafeBufferPointer { y in
        for s in 0..<rows.count {
          let (fs, ys) = (f[s], y[start + s])
          output[start + s] = fs
          sum += softplus(-ys * fs)
          c0[s] = -negativeLossDerivative(output: fs, label: ys) / m
        }
      }
      pass.backward(network, weights: UnsafeBufferPointer(start: c0, count: rows.count))
      pass.accumulateProducts(
        of: selection, into: partialGradients + c * featureCount, adding: start != chunks[c].lowerBound)
    }
    partialLosses[c] = sum
  }
}
