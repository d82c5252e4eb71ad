import COpenBLAS

/// The Nyström approximation of a kernel from k landmark samples L
/// (Williams & Seeger, "Using the Nyström method to speed up kernel machines",
/// NIPS 2001): K(x, x′) ≈ K(x, L) K(L, L)⁻¹ K(L, x′), which is the inner
/// product of the explicit k-dimensional features
///
///     Φ(x) = K(x, L) · K(L, L)^{−1/2},
///
/// so that a linear SVM on Φ (time linear in m) stands in for the kernel SVM
/// (time and memory quadratic in m). It is exact on the landmarks (Φ(l_i)·Φ(l_j)
/// = K(l_i, l_j)) and on their span.
///
/// K(L, L)^{−1/2} is a **pseudo-inverse square root**, from the
/// eigendecomposition K(L, L) = U diag(λ) Uᵀ (LAPACK dsyevr):
///
///     K(L, L)^{−1/2} = Σ_{j: λ_j > τ·λ_max} λ_j^{−1/2} u_j u_jᵀ,   τ = `relativeThreshold` = 10⁻¹²,
///
/// dropping the eigenvalues at or below τ·λ_max (and any negative one): those
/// are at the level of the kernel's rounding (about k·ε·λ_max), where λ^{−1/2}
/// would amplify noise. It is symmetric, formed as BᵀB with B's rows
/// λ_j^{−1/4} u_jᵀ. A linear model w on Φ is the kernel model
/// f(x) = Φ(x)·w + b = K(x, L)·v + b with v = K(L, L)^{−1/2} w (`landmarkWeights`).
public struct NystromApproximation: Sendable {
  /// τ: eigenvalues of K(L, L) at or below τ·λ_max are dropped.
  public static let relativeThreshold = 1e-12

  /// k, the landmarks.
  public let landmarkCount: Int
  /// K(L, L)^{−1/2}, k × k, symmetric.
  public let inverseSquareRoot: Matrix
  /// The eigenvalues of K(L, L), ascending.
  public let eigenvalues: [Double]
  /// The eigenvalues kept (above τ·λ_max): the rank of the approximation.
  public let rank: Int

  /// The approximation from K(L, L), k × k symmetric (only its upper triangle, row-major, is read).
  public init(landmarkKernel: Matrix, relativeThreshold: Double = Self.relativeThreshold) {
    let k = landmarkKernel.rows
    precondition(k > 0 && landmarkKernel.columns == k, "a landmark kernel of shape \(landmarkKernel.shape)")
    let (values, vectors) = landmarkKernel.symmetricEigendecomposition()
    let largest = values.last!
    let kept = values.indices.filter { largest > 0 && values[$0] > relativeThreshold * largest }
    // B: the kept eigenvectors as rows, each times λ^{−1/4}; K^{−1/2} = BᵀB.
    var b = Matrix(rows: kept.count, columns: k)
    for (r, j) in kept.enumerated() {
      let scale = 1 / values[j].squareRoot().squareRoot()
      for c in 0..<k { b[r, c] = vectors[j, c] * scale }
    }
    landmarkCount = k
    eigenvalues = values
    rank = kept.count
    inverseSquareRoot = kept.isEmpty ? Matrix(rows: k, columns: k) : BLAS.product(b, b, transposeA: true)
  }

  /// Φ of the samples whose cross kernel K(X, L) (n × k) is given: K(X, L)·K(L, L)^{−1/2}, n × k.
  public func features(crossKernel: Matrix) -> Matrix {
    precondition(
      crossKernel.columns == landmarkCount, "a cross kernel of \(crossKernel.shape) for \(landmarkCount) landmarks")
    return BLAS.product(crossKernel, inverseSquareRoot)
  }

  /// Φ of m samples (m × k, dense), one block of rows at a time: `crossKernel(rows)`
  /// gives K(X[rows], L), whose product with K(L, L)^{−1/2} is written in place;
  /// `afterBlock` is told each block's size. Memory: Φ and one block.
  public func features(
    samples m: Int, blockRows: Int, crossKernel: (Range<Int>) -> Matrix, afterBlock: (Int) -> Void = { _ in }
  ) -> Matrix {
    let k = landmarkCount
    var phi = Matrix(rows: m, columns: k)
    phi.values.withUnsafeMutableBufferPointer { out in
      inverseSquareRoot.values.withUnsafeBufferPointer { s in
        for start in stride(from: 0, to: m, by: max(blockRows, 1)) {
          let rows = start..<min(m, start + max(blockRows, 1))
          let cross = crossKernel(rows)
          precondition(cross.shape == [rows.count, k], "a cross kernel of \(cross.shape) for rows \(rows)")
          cross.values.withUnsafeBufferPointer { c in
            cblas_dgemm(
              CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows.count), Int32(k), Int32(k), 1.0,
              c.baseAddress, Int32(k), s.baseAddress, Int32(k), 0.0, out.baseAddress! + start * k, Int32(k))
          }
          afterBlock(rows.count)
        }
      }
    }
    return phi
  }

  /// v = K(L, L)^{−1/2} w: the landmark weights of the linear model w on Φ,
  /// so that Φ(x)·w = K(x, L)·v.
  public func landmarkWeights(_ w: [Double]) -> [Double] {
    BLAS.product(inverseSquareRoot, vector: w)
  }
}

extension InfiniteWidthNTK {
  /// Rows `rows` of K(X, L) for landmarks L = the rows `landmarks` of `x`
  /// (`landmarkInputs` holds them): a rows.count × k matrix. An entry that
  /// pairs a landmark with itself is its diagonal entry K(l, l) from
  /// `landmarkKernel` (the symmetric kernel's, θ = 0 exactly), as in K(X, X),
  /// not the one from the rounded cosine.
  public func crossKernel(
    rows: Range<Int>, of x: Matrix, landmarks: [Int], landmarkInputs: Matrix, landmarkKernel: Matrix,
    layers: Range<Int>
  ) -> Matrix {
    var k = kernel(x.rows(rows), landmarkInputs, layers: layers)
    for (slot, index) in landmarks.enumerated() where rows.contains(index) {
      k[index - rows.lowerBound, slot] = landmarkKernel[slot, slot]
    }
    return k
  }
}
