import CLAPACK

extension Matrix {
  /// The largest eigenvalue of a symmetric matrix, by LAPACK's dsyevr (only
  /// that eigenvalue: bisection to the safe-minimum tolerance, accurate to a
  /// few ulps of the matrix's norm).
  public func largestSymmetricEigenvalue() -> Double {
    precondition(rows == columns && rows > 0, "the largest eigenvalue of a \(rows) × \(columns) matrix")
    var a = values  // dsyevr overwrites its matrix; symmetric, so row- and column-major agree
    var n = Int32(rows), lda = Int32(rows), index = Int32(rows), lastIndex = Int32(rows)
    var one = Int32(1), found = Int32(0), info = Int32(0)
    var lower = 0.0, upper = 0.0
    var tolerance = 2 * dlamch_("S", 1)
    var eigenvalues = [Double](repeating: 0, count: rows)
    var z = [Double](repeating: 0, count: 1)
    var support = [Int32](repeating: 0, count: 2)
    var workSize = 0.0, integerWorkSize = Int32(0), query = Int32(-1), integerQuery = Int32(-1)
    dsyevr_(
      "N", "I", "L", &n, &a, &lda, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &one,
      &support,
      &workSize, &query, &integerWorkSize, &integerQuery, &info, 1, 1, 1)
    var lwork = Int32(workSize), liwork = integerWorkSize
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevr_(
      "N", "I", "L", &n, &a, &lda, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &one,
      &support,
      &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
    precondition(info == 0 && found == 1, "dsyevr failed (info \(info))")
    return eigenvalues[0]
  }
}

extension Matrix {
  /// Every eigenvalue and eigenvector of a symmetric matrix, by LAPACK's dsyevr
  /// (MRRR; absolute tolerance the safe minimum, as LAPACK advises for accurate
  /// eigenvectors): eigenvalues ascending, and the orthonormal eigenvectors as
  /// the rows of `vectors` (row j belongs to eigenvalue j). Only the lower
  /// triangle is read.
  public func symmetricEigendecomposition() -> (values: [Double], vectors: Matrix) {
    precondition(rows == columns && rows > 0, "the eigendecomposition of a \(rows) × \(columns) matrix")
    // Row-major is column-major's transpose: LAPACK's lower triangle is our upper one, the same numbers.
    var a = values
    var n = Int32(rows), lda = Int32(rows), ldz = Int32(rows)
    var index = Int32(1), lastIndex = Int32(rows), found = Int32(0), info = Int32(0)
    var lower = 0.0, upper = 0.0
    var tolerance = dlamch_("S", 1)
    var eigenvalues = [Double](repeating: 0, count: rows)
    // Column-major n × n: column j, eigenvector j, is row j of the row-major matrix read back.
    var z = [Double](repeating: 0, count: rows * rows)
    var support = [Int32](repeating: 0, count: 2 * rows)
    var workSize = 0.0, integerWorkSize = Int32(0), query = Int32(-1), integerQuery = Int32(-1)
    dsyevr_(
      "V", "A", "L", &n, &a, &lda, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &ldz,
      &support, &workSize, &query, &integerWorkSize, &integerQuery, &info, 1, 1, 1)
    var lwork = Int32(workSize), liwork = integerWorkSize
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevr_(
      "V", "A", "L", &n, &a, &lda, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &ldz,
      &support, &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
    precondition(info == 0 && found == n, "dsyevr failed (info \(info), \(found) of \(n) eigenvalues)")
    return (eigenvalues, Matrix(rows: rows, columns: rows, values: z))
  }
}

extension Matrix {
  /// Every eigenvalue of a symmetric matrix A (ascending) and the projections
  /// v_kᵀy of a vector on its unit eigenvectors, without forming them: A = Q T Qᵀ
  /// by LAPACK's dsytrd, Qᵀy by dormtr, T = Z Λ Zᵀ by dstevr (MRRR), then
  /// v_kᵀy = z_kᵀ(Qᵀy). It skips dsyevr's back-transformation Q·Z (2n³ of its
  /// about 10n³/3 operations). Only the lower triangle is read.
  public func symmetricEigenvalues(projecting y: [Double]) -> (values: [Double], projections: [Double]) {
    precondition(
      rows == columns && rows > 0 && y.count == rows, "the eigenvalues of \(rows) × \(columns) with \(y.count)")
    // Row-major is column-major's transpose: LAPACK's lower triangle is our upper one, the same numbers.
    var a = values
    var n = Int32(rows), lda = Int32(rows), one = Int32(1), info = Int32(0)
    var d = [Double](repeating: 0, count: rows)
    var e = [Double](repeating: 0, count: max(rows - 1, 1))
    var tau = [Double](repeating: 0, count: max(rows - 1, 1))
    var workSize = 0.0, query = Int32(-1)
    dsytrd_("L", &n, &a, &lda, &d, &e, &tau, &workSize, &query, &info, 1)
    var lwork = Int32(workSize)
    var work = [Double](repeating: 0, count: max(Int(lwork), 1))
    dsytrd_("L", &n, &a, &lda, &d, &e, &tau, &work, &lwork, &info, 1)
    precondition(info == 0, "dsytrd failed (info \(info))")
    var c = y
    dormtr_("L", "L", "T", &n, &one, &a, &lda, &tau, &c, &n, &workSize, &query, &info, 1, 1, 1)
    lwork = Int32(workSize)
    work = [Double](repeating: 0, count: max(Int(lwork), 1))
    dormtr_("L", "L", "T", &n, &one, &a, &lda, &tau, &c, &n, &work, &lwork, &info, 1, 1, 1)
    precondition(info == 0, "dormtr failed (info \(info))")
    var index = Int32(1), lastIndex = Int32(rows), found = Int32(0), ldz = Int32(rows)
    var lower = 0.0, upper = 0.0
    var tolerance = dlamch_("S", 1)
    var eigenvalues = [Double](repeating: 0, count: rows)
    var z = [Double](repeating: 0, count: rows * rows)
    var support = [Int32](repeating: 0, count: 2 * rows)
    var integerWorkSize = Int32(0), integerQuery = Int32(-1)
    dstevr_(
      "V", "A", &n, &d, &e, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &ldz, &support,
      &workSize, &query, &integerWorkSize, &integerQuery, &info, 1, 1)
    lwork = Int32(workSize)
    var liwork = integerWorkSize
    work = [Double](repeating: 0, count: max(Int(lwork), 1))
    var iwork = [Int32](repeating: 0, count: max(Int(liwork), 1))
    dstevr_(
      "V", "A", &n, &d, &e, &lower, &upper, &index, &lastIndex, &tolerance, &found, &eigenvalues, &z, &ldz, &support,
      &work, &lwork, &iwork, &liwork, &info, 1, 1)
    precondition(info == 0 && found == n, "dstevr failed (info \(info), \(found) of \(n) eigenvalues)")
    // Column k of the column-major Z is row k read row-major: z_kᵀ c for every k is one product.
    let projections = BLAS.product(Matrix(rows: rows, columns: rows, values: z), vector: c)
    return (eigenvalues, projections)
  }
}
