import CLAPACK

extension Matrix {
  /// A = V diag(λ) Vᵀ for a symmetric matrix, by LAPACK's dsyevr (all
  /// eigenpairs, MRRR): the eigenvalues in ascending order and the
  /// eigenvectors as the columns of V (n × n, row-major).
  public func symmetricEigendecomposition() -> (values: [Double], vectors: Matrix) {
    precondition(rows == columns && rows > 0, "the eigendecomposition of a \(rows) × \(columns) matrix")
    var a = values  // dsyevr overwrites its matrix; symmetric, so row- and column-major agree
    var n = Int32(rows), lda = Int32(rows), ldz = Int32(rows), found = Int32(0), info = Int32(0)
    var lower = 0.0, upper = 0.0, first = Int32(1), last = Int32(rows)
    var tolerance = 2 * dlamch_("S", 1)
    var eigenvalues = [Double](repeating: 0, count: rows)
    var z = [Double](repeating: 0, count: rows * rows)
    var support = [Int32](repeating: 0, count: 2 * rows)
    var workSize = 0.0, integerWorkSize = Int32(0), query = Int32(-1), integerQuery = Int32(-1)
    dsyevr_(
      "V", "A", "L", &n, &a, &lda, &lower, &upper, &first, &last, &tolerance, &found, &eigenvalues, &z, &ldz,
      &support, &workSize, &query, &integerWorkSize, &integerQuery, &info, 1, 1, 1)
    var lwork = Int32(workSize), liwork = integerWorkSize
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevr_(
      "V", "A", "L", &n, &a, &lda, &lower, &upper, &first, &last, &tolerance, &found, &eigenvalues, &z, &ldz,
      &support, &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
    precondition(info == 0 && found == n, "dsyevr failed (info \(info))")
    // z holds the eigenvectors column-major (Fortran): column k is vector k, so z read row-major is Vᵀ.
    var v = Matrix(rows: rows, columns: rows)
    for k in 0..<rows {
      for i in 0..<rows { v[i, k] = z[k * rows + i] }
    }
    return (eigenvalues, v)
  }

  /// x minimising ‖A x − r‖ with the least norm, for a symmetric A: V diag(1/λ) Vᵀ r
  /// over the eigenvalues with |λ| above `relativeCutoff` · max |λ| (a pseudo-inverse).
  public func symmetricPseudoSolve(_ r: [Double], relativeCutoff: Double = 1e-12) -> [Double] {
    precondition(r.count == rows)
    let (lambda, v) = symmetricEigendecomposition()
    let cutoff = relativeCutoff * lambda.map(abs).max()!
    var coordinates = BLAS.product(v, vector: r, transposeA: true)
    for k in coordinates.indices { coordinates[k] = abs(lambda[k]) > cutoff ? coordinates[k] / lambda[k] : 0 }
    return BLAS.product(v, vector: coordinates)
  }
}
