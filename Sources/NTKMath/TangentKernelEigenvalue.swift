/// How λ_max of the tangent kernel is computed: `gram` (λ_max(Gᵀ G), p × p,
/// TangentGramEigenvalue), `lanczos` (LanczosEigenvalue on products with G
/// and Gᵀ) or `auto` (gram for p ≤ TangentKernelEigenvalue.gramFeatureLimit).
public enum TangentEigenMethod: String, CaseIterable, Sendable {
  case auto, gram, lanczos
}

/// λ_max(K0) for K0 = G Gᵀ, the m × m tangent kernel of a selection of layers
/// on m samples (G: m × p, row s the blocks δ_k(x_s) ⊗ z_k(x_s) side by
/// side), without any m × m matrix: either by the p × p Gram matrix Gᵀ G
/// (TangentGramEigenvalue) or by the Lanczos process (LanczosEigenvalue) on
///
///     Gᵀ G  (on ℝᵖ, when p ≤ m):   v ↦ Σ_b G_bᵀ (G_b v),     one pass over the samples a product,
///     G Gᵀ  (on ℝᵐ, when p > m):   u ↦ G (Gᵀ u),             two passes,
///
/// whichever is the smaller, with the products computed from the factors of
/// a pass through the network in blocks of rows (NetworkBlockPass): for a
/// layer's block V_k (h_{k+1} × h_k) of v, (G v)_s = Σ_k δ_k(x_s)ᵀ V_k z_k(x_s);
/// for weights u, the block of Gᵀ u is Δ_kᵀ diag(u) Z_k. Memory
/// O(block · width + k · min(m, p)); time k (≈ 10–60) products, each about one
/// step of gradient descent.
public struct TangentKernelEigenvalue: Sendable {
  /// `auto` forms Gᵀ G up to this many features: above it, m p² (Gᵀ G)
  /// exceeds the 10–40 passes of Lanczos, each about 4 m p (at m = 10⁵,
  /// d = 25, widths 25,25, one thread: p = 625, Gᵀ G 0.9 s against Lanczos
  /// 0.3–1.4 s in 13–34 iterations; p = 1275, 3.7 s against 0.7 s).
  public static let gramFeatureLimit = 512
  /// `gram` refuses more features: Gᵀ G would take 2 GiB.
  public static let gramFeatureMaximum = 16384

  /// λ_max(K0).
  public var value: Double
  /// The method used: gram or lanczos.
  public var method: TangentEigenMethod
  /// Lanczos's iterations, residual and convergence (nil for gram).
  public var lanczos: LanczosEigenvalue?

  /// The method `auto` resolves to for p features.
  public static func resolve(_ method: TangentEigenMethod, featureCount p: Int) -> TangentEigenMethod {
    method != .auto ? method : p <= gramFeatureLimit ? .gram : .lanczos
  }

  /// λ_max(K0) of the layers `selection` of `network` on the rows of `x`.
  public static func largest(
    network: ReLUNetwork, layers selection: Range<Int>, inputs x: Matrix, method: TangentEigenMethod = .auto,
    blockRows: Int = 1024
  ) -> TangentKernelEigenvalue {
    let p = selection.reduce(0) { $0 + network.layers[$1].values.count }
    let m = x.rows
    precondition(m > 0)
    switch resolve(method, featureCount: p) {
    case .gram, .auto:
      precondition(p <= gramFeatureMaximum, "Gᵀ G of \(p) features")
      return TangentKernelEigenvalue(
        value: TangentGramEigenvalue.largest(network: network, layers: selection, inputs: x), method: .gram)
    case .lanczos:
      let pass = NetworkBlockPass(network: network, lowest: selection.lowerBound, capacity: min(blockRows, m))
      var weights = [Double](repeating: 0, count: pass.capacity)
      let blocks = stride(from: 0, to: m, by: pass.capacity).map { $0..<min($0 + pass.capacity, m) }
      let result: LanczosEigenvalue
      if p <= m {
        // Gᵀ G v = Σ_b G_bᵀ (G_b v): the block's G_b v as weights of its δ's.
        result = LanczosEigenvalue.largest(dimension: p) { v, product in
          for (b, rows) in blocks.enumerated() {
            pass.forward(network, x, rows: rows)
            pass.backward(network)
            weights.withUnsafeMutableBufferPointer { w in
              pass.project(selection, onto: v, into: w.baseAddress!)
              pass.scaleDeltas(of: selection, by: UnsafeBufferPointer(rebasing: w[0..<rows.count]))
            }
            pass.accumulateProducts(of: selection, into: product, adding: b > 0)
          }
        }
      } else {
        // G Gᵀ u: Gᵀ u = Σ_b Δ_bᵀ diag(u_b) Z_b over the blocks, then G (Gᵀ u) block by block.
        var t = [Double](repeating: 0, count: p)
        result = LanczosEigenvalue.largest(dimension: m) { u, product in
          t.withUnsafeMutableBufferPointer { t in
            for (b, rows) in blocks.enumerated() {
              pass.forward(network, x, rows: rows)
              pass.backward(network, weights: UnsafeBufferPointer(start: u + rows.lowerBound, count: rows.count))
              pass.accumulateProducts(of: selection, into: t.baseAddress!, adding: b > 0)
            }
            for rows in blocks {
              pass.forward(network, x, rows: rows)
              pass.backward(network)
              pass.project(selection, onto: t.baseAddress!, into: product + rows.lowerBound)
            }
          }
        }
      }
      return TangentKernelEigenvalue(value: result.value, method: .lanczos, lanczos: result)
    }
  }
}
