import COpenBLAS

/// A ReLU network's forward and backward pass over one block of samples at a
/// time, in buffers allocated once (for `capacity` rows) and reused for every
/// block and every call: the inner loop of gradient descent
/// (LogisticLossEvaluator) and of λ_max of the tangent kernel
/// (TangentGramEigenvalue, TangentKernelEigenvalue), whose memory is then
/// O(capacity · width), whatever the number of samples m.
///
/// Layer k of the network (W_k = `layers[k]`, h_{k+1} × h_k; the last, L, is
/// u, 1 × h_L) maps its input z_k to a_k = z_k W_kᵀ, and z_{k+1} = relu(a_k).
/// For the rows X_b of a block (n ≤ capacity samples) and one weight w_s per
/// sample:
///
///     forward:   z_0 = X_b,   z_{k+1} = relu(z_k W_kᵀ),   f = z_L uᵀ                    (n × h_k; n)
///     backward:  δ_L = w,     δ_{k−1} = (δ_k W_k) ⊙ relu′(a_{k−1}),  relu′(a_{k−1}) = [z_k > 0]
///
/// (the mask is read off z_k, so the pre-activations are not kept). With
/// w = 1, sample s's tangent features of layer k are δ_k[s] ⊗ z_k[s]
/// (TangentFactors); the backward pass is linear in w, so with weights w
///
///     Σ_s w_s ∂f(x_s)/∂W_k = δ_kᵀ z_k          (h_{k+1} × h_k, one product over the block)
///
/// — the block's share of the gradient Δᵀ diag(c) Z for w = c, and of Gᵀw.
/// Every elementwise pass (relu, the mask, the weights) is a loop in place.
public final class NetworkBlockPass {
  /// The most rows a block may have.
  public let capacity: Int
  /// The lowest layer whose δ the backward pass computes.
  public let lowest: Int
  /// The rows in the current block.
  public private(set) var count = 0

  private let shapes: [(rows: Int, columns: Int)]
  /// z_k for k = 0 … L (capacity × h_k); z_0 only when lowest = 0.
  private let inputs: [UnsafeMutablePointer<Double>]
  /// δ_k for k = lowest … L (capacity × h_{k+1}); nil below lowest.
  private let deltas: [UnsafeMutablePointer<Double>?]
  private let scratch: UnsafeMutablePointer<Double>
  private let output: UnsafeMutablePointer<Double>

  public init(network: ReLUNetwork, lowest: Int, capacity: Int) {
    precondition(network.layers.indices.contains(lowest) && capacity > 0)
    self.capacity = capacity
    self.lowest = lowest
    let shapes = network.layers.map { (rows: $0.rows, columns: $0.columns) }
    self.shapes = shapes
    inputs = shapes.indices.map { .allocate(capacity: $0 > 0 || lowest == 0 ? capacity * shapes[$0].columns : 0) }
    deltas = shapes.indices.map { $0 >= lowest ? .allocate(capacity: capacity * shapes[$0].rows) : nil }
    scratch = .allocate(capacity: capacity * shapes.map(\.rows).max()!)
    output = .allocate(capacity: capacity)
  }

  deinit {
    inputs.forEach { $0.deallocate() }
    deltas.forEach { $0?.deallocate() }
    scratch.deallocate()
    output.deallocate()
  }

  private var top: Int { shapes.count - 1 }

  /// f for the samples of the current block.
  public var outputs: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: output, count: count) }

  /// The forward pass of rows `rows` of `x` (n × d, n ≤ capacity): z_0 … z_L and f.
  public func forward(_ network: ReLUNetwork, _ x: Matrix, rows: Range<Int>) {
    precondition(rows.count <= capacity && x.columns == shapes[0].columns && rows.upperBound <= x.rows)
    count = rows.count
    let n = count
    guard n > 0 else { return }
    x.values.withUnsafeBufferPointer { px in
      let block = px.baseAddress! + rows.lowerBound * x.columns
      // z_0 is kept (copied) only when the backward pass needs it: for layer 0's products.
      if lowest == 0 { inputs[0].update(from: block, count: n * x.columns) }
      for k in 0..<top {
        let (h, width) = shapes[k]
        let z = k == 0 ? block : UnsafePointer(inputs[k])
        network.layers[k].values.withUnsafeBufferPointer { w in
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(h), Int32(width), 1, z, Int32(width),
            w.baseAddress, Int32(width), 0, inputs[k + 1], Int32(h))
        }
        let a = inputs[k + 1]
        for i in 0..<(n * h) { a[i] = relu(a[i]) }
      }
      let width = shapes[top].columns
      network.layers[top].values.withUnsafeBufferPointer { u in
        cblas_dgemm(
          CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), 1, Int32(width), 1,
          top == 0 ? block : UnsafePointer(inputs[top]),
          Int32(width), u.baseAddress, Int32(width), 0, output, 1)
      }
    }
  }

  /// The backward pass from δ_L = w (one weight per sample of the block; nil
  /// for 1) down to δ_lowest.
  public func backward(_ network: ReLUNetwork, weights: UnsafeBufferPointer<Double>? = nil) {
    let n = count
    precondition(weights == nil || weights!.count == n)
    let dTop = deltas[top]!
    if let w = weights {
      for s in 0..<n { dTop[s] = w[s] }
    } else {
      dTop.update(repeating: 1, count: n)
    }
    guard n > 0 else { return }
    for k in stride(from: top, to: lowest, by: -1) {
      let (h, width) = shapes[k]  // δ_k is n × h; δ_{k−1} is n × width
      let below = deltas[k - 1]!, z = inputs[k]
      if h == 1 {
        // An outer product with one term: δ_k[s] w_j, exactly as a product would give it.
        let upper = deltas[k]!
        network.layers[k].values.withUnsafeBufferPointer { w in
          for s in 0..<n {
            let d = upper[s]
            for j in 0..<width {
              let value = d * w[j]  // computed either way: a select, not a branch the data decides
              below[s * width + j] = z[s * width + j] > 0 ? value : 0
            }
          }
        }
      } else {
        network.layers[k].values.withUnsafeBufferPointer { w in
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(width), Int32(h), 1, deltas[k], Int32(h),
            w.baseAddress, Int32(width), 0, below, Int32(width))
        }
        for i in 0..<(n * width) { below[i] = z[i] > 0 ? below[i] : 0 }
      }
    }
  }

  /// Multiplies δ_k's row s by w_s for the layers `layers` (all ≥ lowest).
  public func scaleDeltas(of layers: Range<Int>, by weights: UnsafeBufferPointer<Double>) {
    precondition(layers.lowerBound >= lowest && weights.count == count)
    for k in layers {
      let h = shapes[k].rows, d = deltas[k]!
      for s in 0..<count {
        let w = weights[s]
        for i in 0..<h { d[s * h + i] *= w }
      }
    }
  }

  /// G_k ← δ_kᵀ z_k (+ G_k when `adding`) for the layers `layers`, G_k
  /// written row-major (h_{k+1} × h_k) one after another from `result`.
  public func accumulateProducts(of layers: Range<Int>, into result: UnsafeMutablePointer<Double>, adding: Bool) {
    precondition(layers.lowerBound >= lowest)
    var offset = 0
    for k in layers {
      let (h, width) = shapes[k]
      if count > 0 {
        cblas_dgemm(
          CblasRowMajor, CblasTrans, CblasNoTrans, Int32(h), Int32(width), Int32(count), 1, deltas[k], Int32(h),
          inputs[k], Int32(width), adding ? 1 : 0, result + offset, Int32(width))
      } else if !adding {
        (result + offset).update(repeating: 0, count: h * width)
      }
      offset += h * width
    }
  }

  /// (G v)_s = Σ_k δ_k[s]ᵀ V_k z_k[s] for the samples of the block, v given
  /// as the blocks V_k (h_{k+1} × h_k, row-major) of the layers `layers`
  /// one after another: the feature rows' products with v, without forming them.
  public func project(_ layers: Range<Int>, onto v: UnsafePointer<Double>, into result: UnsafeMutablePointer<Double>) {
    precondition(layers.lowerBound >= lowest)
    let n = count
    result.update(repeating: 0, count: n)
    var offset = 0
    for k in layers {
      let (h, width) = shapes[k]
      guard n > 0 else { break }
      cblas_dgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(h), Int32(width), 1, inputs[k], Int32(width),
        v + offset, Int32(width), 0, scratch, Int32(h))
      let d = deltas[k]!
      for s in 0..<n {
        var sum = 0.0
        for i in 0..<h { sum += d[s * h + i] * scratch[s * h + i] }
        result[s] += sum
      }
      offset += h * width
    }
  }

  /// The block's feature rows for the layers `layers`: row s (of length p =
  /// Σ h_{k+1} h_k) is the concatenation of δ_k[s] ⊗ z_k[s], row-major, at `rows`.
  public func expand(_ layers: Range<Int>, into rows: UnsafeMutablePointer<Double>) {
    precondition(layers.lowerBound >= lowest)
    let p = layers.reduce(0) { $0 + shapes[$1].rows * shapes[$1].columns }
    var offset = 0
    for k in layers {
      let (h, width) = shapes[k]
      let d = deltas[k]!, z = inputs[k]
      for s in 0..<count {
        let row = rows + s * p + offset
        for i in 0..<h {
          let di = d[s * h + i]
          for j in 0..<width { row[i * width + j] = di * z[s * width + j] }
        }
      }
      offset += h * width
    }
  }
}
