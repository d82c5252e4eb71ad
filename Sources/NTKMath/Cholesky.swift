import CLAPACK

/// The Cholesky factorisation A = L Lᵀ of a symmetric positive definite
/// matrix (LAPACK dpotrf), kept for solves A x = b (dpotrs). Only A's upper
/// triangle, row-major, is read: LAPACK's lower triangle of the column-major
/// transpose, the same numbers.
public struct Cholesky {
  /// dpotrf found the leading minor of this order not positive definite.
  public struct NotPositiveDefinite: Error {
    public let minor: Int
  }

  let order: Int
  let factor: [Double]

  public init(_ a: Matrix) throws(NotPositiveDefinite) {
    precondition(a.rows == a.columns, "the Cholesky factor of a \(a.rows) × \(a.columns) matrix")
    var factor = a.values
    var n = Int32(a.rows), leading = Int32(max(a.rows, 1)), info = Int32(0)
    if a.rows > 0 { dpotrf_("L", &n, &factor, &leading, &info, 1) }
    guard info == 0 else { throw NotPositiveDefinite(minor: Int(info)) }
    order = a.rows
    self.factor = factor
  }

  /// x = A⁻¹ b.
  public func solve(_ b: [Double]) -> [Double] {
    precondition(b.count == order, "a right-hand side of \(b.count) for order \(order)")
    guard order > 0 else { return [] }
    var x = b
    var n = Int32(order), one = Int32(1), info = Int32(0)
    factor.withUnsafeBufferPointer { f in
      dpotrs_("L", &n, &one, f.baseAddress, &n, &x, &n, &info, 1)
    }
    precondition(info == 0, "dpotrs failed (info \(info))")
    return x
  }
}
