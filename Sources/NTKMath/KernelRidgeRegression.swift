/// Kernel ridge regression on a precomputed kernel (as scikit-learn's
/// `KernelRidge(kernel='precomputed', alpha=λ)`, no intercept):
///
///     f(x) = k(x)ᵀ α,   α = (K + λI)⁻¹ y,
///
/// K the m × m kernel of the training set, k(x) = K(X, x). With λ → 0 and the
/// infinite-width tangent kernel this is the infinite-width network trained
/// to convergence by gradient descent on the squared loss (Jacot, Gabriel &
/// Hongler 2018; Lee et al. 2019). The ridge is given relative to the mean
/// diagonal, λ = r·tr(K)/m (`ridge(relative:trace:samples:)`), so that one r
/// means the same regularisation for every layer's scale and every m.
///
/// The solve is a Cholesky factorisation (LAPACK dpotrf, dpotrs): K + λI is
/// symmetric positive definite for λ > 0; with λ = 0 a singular K fails.
public enum KernelRidgeRegression {
  /// r = 10⁻³: near the ridgeless limit (the network trained to convergence),
  /// with K + λI's condition number at most m·max K(x,x)/(r·mean K(x,x)), so
  /// that the Cholesky solve keeps about 9 digits at m = 5792 (docs/theory.md).
  public static let defaultRelativeRidge = 1e-3

  /// λ = r·tr(K)/m.
  public static func ridge(relative r: Double, trace: Double, samples m: Int) -> Double {
    r * trace / Double(m)
  }

  /// α = (K + λI)⁻¹ y for a symmetric m × m K (only its upper triangle, row-major, is read).
  public static func coefficients(kernel: Matrix, labels y: [Double], ridge: Double) throws -> [Double] {
    precondition(
      kernel.rows == kernel.columns && kernel.rows == y.count, "a kernel of \(kernel.shape) for \(y.count) labels")
    var a = kernel
    for i in 0..<a.rows { a[i, i] += ridge }
    return try choleskySolve(a, y)
  }

  /// Ridge regression on explicit features Φ (m × k, e.g. the Nyström features):
  /// w = (ΦᵀΦ + λI)⁻¹ Φᵀy, the kernel ridge regression of the kernel ΦΦᵀ
  /// (f(x) = Φ(x)·w = φ(x)ᵀΦᵀ(ΦΦᵀ + λI)⁻¹y, the push-through identity), in k dimensions.
  public static func weights(features phi: Matrix, labels y: [Double], ridge: Double) throws -> [Double] {
    precondition(phi.rows == y.count, "features of \(phi.shape) for \(y.count) labels")
    let k = phi.columns
    var gram = BLAS.crossProduct(phi)
    for i in 0..<k { gram[i, i] += ridge }
    return try choleskySolve(gram, BLAS.product(phi, vector: y, transposeA: true))
  }

  /// x = A⁻¹ b for a symmetric positive definite A (only its upper triangle is read).
  static func choleskySolve(_ a: Matrix, _ b: [Double]) throws -> [Double] {
    do { return try Cholesky(a).solve(b) } catch {
      throw KernelRidgeError.notPositiveDefinite(order: a.rows, minor: error.minor)
    }
  }
}

public enum KernelRidgeError: Error, CustomStringConvertible {
  /// dpotrf found the leading minor of this order not positive definite.
  case notPositiveDefinite(order: Int, minor: Int)

  public var description: String {
    switch self {
    case .notPositiveDefinite(let order, let minor):
      "K + λI (\(order) × \(order)) is not positive definite (its leading minor of order \(minor)): "
        + "the kernel is singular at this ridge; give a larger KRR_RIDGE"
    }
  }
}
