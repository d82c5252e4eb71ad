/// Finite-width neural-tangent features: the gradient of the network's output
/// with respect to one layer's weights, for every sample.
///
/// For a weight layer θ = W_l (and for u, with δ = 1 and z = z_L):
///
///     ∂f/∂W_l = δ_l z_{l−1}ᵀ,   δ_L = u ⊙ relu′(a_L),   δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ relu′(a_l),
///
/// so a sample's features are the outer product of two factors, flattened
/// row-major (index i·h_{l−1} + j, like numpy's `flatten`).
public struct TangentFactors: Sendable {
  /// δ_l for every sample (n × h_l); a column of ones for u.
  public var delta: Matrix
  /// z_{l−1} for every sample (n × h_{l−1}).
  public var input: Matrix

  public init(delta: Matrix, input: Matrix) {
    precondition(delta.rows == input.rows, "factors of \(delta.rows) and \(input.rows) samples")
    self.delta = delta
    self.input = input
  }

  public var sampleCount: Int { delta.rows }
  public var featureCount: Int { delta.columns * input.columns }

  /// The features themselves, n × (h_l · h_{l−1}): row s is δ[s] ⊗ z[s].
  public func expanded() -> Matrix {
    let (n, p, q) = (sampleCount, delta.columns, input.columns)
    let values = [Double](unsafeUninitializedCapacity: n * p * q) { o, initialized in
      delta.values.withUnsafeBufferPointer { d in
        input.values.withUnsafeBufferPointer { z in
          for s in 0..<n {
            for i in 0..<p {
              let di = d[s * p + i]
              let row = s * p * q + i * q
              for j in 0..<q { o[row + j] = di * z[s * q + j] }
            }
          }
        }
      }
      initialized = n * p * q
    }
    return Matrix(rows: n, columns: p * q, values: values)
  }

  /// Multiplies every sample's features by a weight (δ's row s by weights[s]).
  public mutating func scaleSamples(by weights: [Double]) {
    precondition(weights.count == sampleCount)
    let p = delta.columns
    for s in 0..<sampleCount {
      for i in 0..<p { delta.values[s * p + i] *= weights[s] }
    }
  }
}

extension ReLUNetwork {
  /// The factors of the tangent features of the layers `selection` at a
  /// forward pass: of g(x) = ∂f(x)/∂θ, or, given the samples' labels y, of the
  /// logistic loss's negative gradient g(x, y) = −∂ℓ/∂θ = y·σ(−y·f(x))·∂f(x)/∂θ
  /// (each sample's δ rows weighted by negativeLossDerivative).
  public func tangentFactors(
    of selection: Range<Int>, at pass: ForwardPass, lossGradientLabels y: [Double]? = nil
  ) -> [TangentFactors] {
    var factors = Array(tangentFactors(from: selection.lowerBound, of: pass).prefix(selection.count))
    if let y {
      let weights = zip(pass.output, y).map(negativeLossDerivative)
      for k in factors.indices { factors[k].scaleSamples(by: weights) }
    }
    return factors
  }

  /// The factors of ∂f/∂θ for the layers `lowest` … L (L is u), back-propagated
  /// from u through one forward pass; element k is layer `lowest + k`.
  public func tangentFactors(from lowest: Int, of pass: ForwardPass) -> [TangentFactors] {
    precondition(layers.indices.contains(lowest), "layer \(lowest) of a network with \(layers.count)")
    var result: [TangentFactors] = []
    var delta = Matrix(rows: pass.output.count, columns: 1, repeating: 1)
    for l in stride(from: layers.count - 1, through: lowest, by: -1) {
      result.append(TangentFactors(delta: delta, input: pass.inputs[l]))
      if l > lowest { delta = BLAS.product(delta, layers[l]) * pass.preactivations[l - 1].map(reluDerivative) }
    }
    return result.reversed()
  }
}

/// A block of samples' tangent features, either as the feature rows
/// themselves (n × p) or as the factors of each layer's block (never forming
/// the n × h_l·h_{l−1} rows). A feature row is the concatenation of the
/// blocks δ_k ⊗ z_k of the selected layers.
public enum FeatureRows: Sendable {
  case dense(Matrix)
  case factored([TangentFactors])

  public var sampleCount: Int {
    switch self {
    case .dense(let f): return f.rows
    case .factored(let factors): return factors[0].sampleCount
    }
  }

  /// ⟨w, g(x_s)⟩ for every sample s, with w given blockwise as θ_k matrices:
  /// for a factored block ⟨θ, δ ⊗ z⟩ = δᵀ θ z, summed over the blocks.
  public func dot(_ blocks: [Matrix], adding bias: Double = 0) -> [Double] {
    switch self {
    case .dense(let f):
      return BLAS.product(f, vector: blocks.flatMap(\.values), adding: bias)
    case .factored(let factors):
      precondition(factors.count == blocks.count)
      var result = [Double](repeating: bias, count: sampleCount)
      for (factor, theta) in zip(factors, blocks) {
        let projected = BLAS.product(factor.delta, theta) * factor.input  // (δᵀθ)ᵢ zᵢ per sample
        for s in 0..<sampleCount {
          for j in 0..<projected.columns { result[s] += projected[s, j] }
        }
      }
      return result
    }
  }

  /// Rows `rows` and columns `columns` of the Gram matrix K[i][j] = ⟨g(x_i), g(x_j)⟩,
  /// the empirical tangent kernel of the selected layers (all of them by default).
  /// For factored blocks K = Σ_k (Δ_k Δ_kᵀ) ⊙ (Z_k Z_kᵀ): two products and an elementwise one.
  public func gram(rows: Range<Int>? = nil, columns: Range<Int>? = nil) -> Matrix {
    let rows = rows ?? 0..<sampleCount
    func of(_ m: Matrix) -> Matrix { columns.map { m.rows($0) } ?? m }
    switch self {
    case .dense(let f):
      return BLAS.product(f.rows(rows), of(f), transposeB: true)
    case .factored(let factors):
      var k = Matrix(rows: rows.count, columns: columns?.count ?? sampleCount)
      for factor in factors {
        let block =
          BLAS.product(factor.delta.rows(rows), of(factor.delta), transposeB: true)
          * BLAS.product(factor.input.rows(rows), of(factor.input), transposeB: true)
        for i in k.values.indices { k.values[i] += block.values[i] }
      }
      return k
    }
  }

  /// w = Σ_s c_s g(x_s) over the samples `rows`; for a factored block the
  /// block of w is θ = Δᵀ diag(c) Z (out × in, row-major).
  public func combination(of rows: [Int], coefficients c: [Double]) -> [Double] {
    switch self {
    case .dense(let f):
      return BLAS.product(f.rows(at: rows), vector: c, transposeA: true)
    case .factored(let factors):
      return factors.flatMap { factor in
        let delta = factor.delta.rows(at: rows)
        var input = factor.input.rows(at: rows)
        for (r, weight) in c.enumerated() {
          for j in 0..<input.columns { input[r, j] *= weight }
        }
        return BLAS.product(delta, input, transposeA: true).values
      }
    }
  }
}

extension Matrix {
  /// The rows at `indices`, in that order.
  public func rows(at indices: [Int]) -> Matrix {
    Matrix(
      rows: indices.count, columns: columns, values: indices.flatMap { values[($0 * columns)..<(($0 + 1) * columns)] })
  }

  /// The columns at `indices`, in that order.
  public func columns(at indices: [Int]) -> Matrix {
    var result = Matrix(rows: rows, columns: indices.count)
    for r in 0..<rows {
      for (c, index) in indices.enumerated() { result.values[r * indices.count + c] = values[r * columns + index] }
    }
    return result
  }
}
