import COpenBLAS

extension ReLUNetwork {
  /// Gᵀ G (p × p), G the m × p tangent features of the layers `selection` on
  /// the rows of `x` (row s: the blocks δ_k(x_s) ⊗ z_k(x_s) of the selected
  /// layers side by side, p = Σ_k h_{k+1} h_k):
  ///
  ///     Gᵀ G = Σ_b G_bᵀ G_b,
  ///
  /// G_b the feature rows of a block of samples, expanded from the factors
  /// of one pass through the network (NetworkBlockPass) and added by BLAS's
  /// dsyrk: m p² operations, O(p² + block · p) memory, never all m rows.
  /// Its largest eigenvalue is that of the m × m tangent kernel K = G Gᵀ
  /// (the two share their non-zero eigenvalues): TangentGramEigenvalue.
  public func tangentGram(layers selection: Range<Int>, inputs x: Matrix) -> Matrix {
    let p = selection.reduce(0) { $0 + layers[$1].values.count }
    let blockRows = max(1, min(1024, (1 << 20) / p))  // a block of rows: at most 8 MB, or one row
    let pass = NetworkBlockPass(network: self, lowest: selection.lowerBound, capacity: min(blockRows, max(x.rows, 1)))
    var rows = [Double](repeating: 0, count: pass.capacity * p)
    var gram = Matrix(rows: p, columns: p)
    gram.values.withUnsafeMutableBufferPointer { c in
      rows.withUnsafeMutableBufferPointer { f in
        for start in stride(from: 0, to: x.rows, by: pass.capacity) {
          pass.forward(self, x, rows: start..<min(start + pass.capacity, x.rows))
          pass.backward(self)
          pass.expand(selection, into: f.baseAddress!)
          cblas_dsyrk(
            CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(pass.count), 1, f.baseAddress, Int32(p),
            start == 0 ? 0 : 1, c.baseAddress, Int32(p))
        }
        for i in 0..<p {
          for j in 0..<i { c[i * p + j] = c[j * p + i] }  // the lower triangle from the upper
        }
      }
    }
    return gram
  }
}

/// λ_max(K), K = G Gᵀ the m × m tangent kernel of a selection of layers, as
/// λ_max(Gᵀ G) of the p × p Gram matrix of the features (ReLUNetwork.tangentGram)
/// by LAPACK's dsyevr (Matrix.largestSymmetricEigenvalue): the two matrices
/// share their non-zero eigenvalues (G = U Σ Vᵀ: G Gᵀ = U Σ² Uᵀ, Gᵀ G = V Σ² Vᵀ).
/// Time m p² + O(p³), memory O(p²): the path for few features p, whatever m.
public enum TangentGramEigenvalue {
  public static func largest(network: ReLUNetwork, layers selection: Range<Int>, inputs x: Matrix) -> Double {
    network.tangentGram(layers: selection, inputs: x).largestSymmetricEigenvalue()
  }
}
