import CLAPACK
import COpenBLAS
import Foundation
import LegacyRandom

/// The largest eigenvalue of a symmetric positive semi-definite operator A on
/// ℝⁿ known only through its products v ↦ A v, by the Lanczos process
/// (C. Lanczos, *An iteration method for the solution of the eigenvalue
/// problem of linear differential and integral operators*, J. Res. Nat. Bur.
/// Standards 45, 1950) with full reorthogonalisation (Golub & Van Loan,
/// *Matrix Computations*, 4th ed., §10.1, and §10.3 for the reorthogonalisation):
///
///     q_1 = r / ‖r‖ (r pseudo-random, fixed),
///     w = A q_j,  α_j = q_jᵀ w,  w ← w − α_j q_j − β_{j−1} q_{j−1},
///     w ← w − Q_j (Q_jᵀ w), twice (Q_j = [q_1 … q_j], n × j),
///     β_j = ‖w‖,  q_{j+1} = w / β_j,
///
/// so that Q_kᵀ A Q_k = T_k, tridiagonal with α_1 … α_k on its diagonal and
/// β_1 … β_{k−1} beside it. Its largest eigenvalue θ (the Ritz value, by
/// LAPACK's dstevr; θ ≤ λ_max) with unit eigenvector s gives y = Q_k s with
/// residual ‖A y − θ y‖ = β_k |s_k|, and A has an eigenvalue within that
/// residual of θ (for any unit y and symmetric A; Golub & Van Loan §8.1 and
/// §10.1; the error of θ itself is of order β_k² s_k² / gap).
///
/// Stopping rule: after step k, stop when β_k |s_k| ≤ `tolerance` · θ
/// (default 1e-13, so an eigenvalue of A lies within 1e-13 θ of θ: λ_max, as
/// long as the start vector is not orthogonal to its eigenvector), or when
/// k = n (T_n is similar to A), or — not converged, reported — after
/// `maxIterations` steps. Memory: the k Lanczos vectors, k · n numbers; time:
/// k products with A and O(k² n) for the reorthogonalisation.
public struct LanczosEigenvalue: Sendable {
  /// θ, the largest Ritz value: λ_max when `converged`.
  public var value: Double
  /// k, the number of products with A.
  public var iterations: Int
  /// β_k |s_k|, the residual of θ's Ritz vector.
  public var residual: Double
  public var converged: Bool

  /// λ_max of the operator `apply(v, Av)` on vectors of `dimension` numbers.
  public static func largest(
    dimension n: Int, tolerance: Double = 1e-13, maxIterations: Int = 300,
    apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
  ) -> LanczosEigenvalue {
    precondition(n > 0 && maxIterations > 0 && tolerance > 0)
    var q = startVector(n)
    var basis: [Double] = []  // q_1 … q_j, row after row (j × n)
    var w = [Double](repeating: 0, count: n)
    var projections = [Double](repeating: 0, count: min(n, maxIterations))
    var alpha: [Double] = [], beta: [Double] = []
    let limit = min(n, maxIterations)
    for j in 1...limit {
      basis += q
      q.withUnsafeBufferPointer { v in w.withUnsafeMutableBufferPointer { a in apply(v.baseAddress!, a.baseAddress!) } }
      let a = cblas_ddot(Int32(n), q, 1, w, 1)
      alpha.append(a)
      basis.withUnsafeBufferPointer { b in
        w.withUnsafeMutableBufferPointer { w in
          cblas_daxpy(Int32(n), -a, b.baseAddress! + (j - 1) * n, 1, w.baseAddress, 1)
          if j > 1 { cblas_daxpy(Int32(n), -beta[j - 2], b.baseAddress! + (j - 2) * n, 1, w.baseAddress, 1) }
          projections.withUnsafeMutableBufferPointer { h in
            for _ in 0..<2 {
              cblas_dgemv(
                CblasRowMajor, CblasNoTrans, Int32(j), Int32(n), 1, b.baseAddress, Int32(n), w.baseAddress, 1, 0,
                h.baseAddress, 1)
              cblas_dgemv(
                CblasRowMajor, CblasTrans, Int32(j), Int32(n), -1, b.baseAddress, Int32(n), h.baseAddress, 1, 1,
                w.baseAddress, 1)
            }
          }
        }
      }
      let b = cblas_dnrm2(Int32(n), w, 1)
      let (theta, last) = largestEigenpair(diagonal: alpha, offDiagonal: beta)
      let residual = b * abs(last)
      if residual <= tolerance * theta || j == n {
        return LanczosEigenvalue(value: theta, iterations: j, residual: residual, converged: true)
      }
      if j == limit {
        return LanczosEigenvalue(value: theta, iterations: j, residual: residual, converged: false)
      }
      beta.append(b)
      for i in 0..<n { q[i] = w[i] / b }
    }
    fatalError("unreachable")
  }

  /// A fixed pseudo-random start (splitmix64, uniform in [−1, 1)), normalised.
  static func startVector(_ n: Int) -> [Double] {
    var random = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
    var v = (0..<n).map { _ in Double(random.next() >> 11) / Double(1 << 52) - 1 }
    let norm = cblas_dnrm2(Int32(n), v, 1)
    for i in v.indices { v[i] /= norm }
    return v
  }

  /// The largest eigenvalue of the symmetric tridiagonal matrix and the last
  /// component of its unit eigenvector (LAPACK's dstevr).
  static func largestEigenpair(diagonal: [Double], offDiagonal: [Double]) -> (Double, Double) {
    var n = Int32(diagonal.count)
    if n == 1 { return (diagonal[0], 1) }
    var d = diagonal, e = offDiagonal + [0]
    var index = n, found = Int32(0), info = Int32(0), ldz = n
    var lower = 0.0, upper = 0.0, tolerance = 2 * dlamch_("S", 1)
    var value = [Double](repeating: 0, count: Int(n)), z = [Double](repeating: 0, count: Int(n))
    var support = [Int32](repeating: 0, count: 2 * Int(n))
    var lwork = 20 * n, liwork = 10 * n
    var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
    var lastIndex = n
    dstevr_(
      "V", "I", &n, &d, &e, &lower, &upper, &index, &lastIndex, &tolerance, &found, &value, &z, &ldz, &support,
      &work, &lwork, &iwork, &liwork, &info, 1, 1)
    precondition(info == 0 && found == 1, "dstevr failed (info \(info))")
    return (value[0], z[Int(n) - 1])
  }
}
