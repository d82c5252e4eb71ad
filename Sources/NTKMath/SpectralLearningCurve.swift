import Foundation

/// The predicted test mean squared error of kernel ridge regression as a
/// function of the number of training samples n, from the kernel's spectrum
/// and the target's coefficients in its eigenbasis: the self-consistent
/// theory of Canatar, Bordelon & Pehlevan (Nature Communications 12, 2914,
/// 2021), in the notation of the eigenlearning framework of Simon et al.
/// (2021, "The eigenlearning framework").
///
/// For a kernel K(x, x′) = Σ_i λ_i φ_i(x) φ_i(x′), φ_i orthonormal under the
/// input distribution, a target y(x) = Σ_i v_i φ_i(x) + (power ε² outside
/// the span of the φ_i), and KRR f(x) = k(x)ᵀ(K + δI)⁻¹y on n samples (K the
/// n × n Gram matrix, δ the ridge exactly as in KernelRidgeRegression):
///
///     κ > 0 solves  Σ_i λ_i/(λ_i + κ) + δ/κ = n,
///     L_i = λ_i/(λ_i + κ)             (learnabilities),
///     E₀ = n / (n − Σ_i L_i²),
///     E[(f(x) − y(x))²] ≈ E₀ · (Σ_i (1 − L_i)² v_i² + ε²).
///
/// (With δ = 0 and at most n positive λ_i the equation has no positive root:
/// κ = 0, every L_i = 1 and the MSE is E₀·ε².) The prediction is the
/// average over training sets, exact as n and the number of relevant
/// eigenvalues grow together; at small n it is off by fluctuations of order
/// 1/n (Canatar et al., Simon et al.).
///
/// **From N samples** (`init(sampleKernel:labels:)`): the population
/// quantities are estimated from the N × N Gram matrix K_N of held-out inputs
/// and their labels y. With K_N/N = Σ_i μ_i u_i u_iᵀ (u_i unit vectors of
/// ℝᴺ), the empirical operator's eigenfunctions at the samples are
/// φ_i(x_j) = √N·u_i[j] (orthonormal under the empirical measure,
/// (1/N)Σ_j φ_i(x_j)² = 1), its eigenvalues λ_i = μ_i, and
///
///     v_i = (1/N) Σ_j y_j φ_i(x_j) = u_iᵀy/√N,   v_i² = (u_iᵀy)²/N,
///     ε² = ‖y‖²/N − Σ_{i: λ_i>0} v_i²   (≈ 0 for a full-rank K_N; ‖y‖²/N = 1 for ±1 labels),
///
/// and Σ_i λ_i = tr(K_N)/N estimates E[K(x, x)], so that the ridge
/// δ = r·tr(K)/m of KernelRidgeRegression is δ = r·Σ_i λ_i here for every n.
/// Only N eigenvalues are seen: the tail beyond them is lost, so the
/// prediction is trustworthy for n well below N.
public struct SpectralLearningCurve: Equatable, Sendable {
  /// λ_i, descending, ≥ 0 (a rounding-negative eigenvalue is 0).
  public let eigenvalues: [Double]
  /// v_i², one per eigenvalue.
  public let targetPower: [Double]
  /// ε², the target's power outside the span of the eigenfunctions with λ_i > 0.
  public let residualPower: Double

  public init(eigenvalues: [Double], targetPower: [Double], residualPower: Double) {
    precondition(
      eigenvalues.count == targetPower.count, "\(eigenvalues.count) eigenvalues, \(targetPower.count) powers")
    self.eigenvalues = eigenvalues
    self.targetPower = targetPower
    self.residualPower = residualPower
  }

  /// The estimate from the Gram matrix K_N (N × N, symmetric) of N held-out
  /// inputs and their labels (see the type's description): one LAPACK dsyevr.
  public init(sampleKernel: Matrix, labels y: [Double]) {
    let n = sampleKernel.rows
    precondition(
      n > 0 && sampleKernel.columns == n && y.count == n, "a kernel of \(sampleKernel.shape), \(y.count) labels")
    let (values, vectors) = sampleKernel.symmetricEigendecomposition()
    let projections = BLAS.product(vectors, vector: y)  // u_iᵀy, row i of `vectors` being u_i
    let scale = 1 / Double(n)
    var lambdas: [Double] = [], powers: [Double] = []
    for i in stride(from: n - 1, through: 0, by: -1) {
      lambdas.append(max(values[i] * scale, 0))
      powers.append(projections[i] * projections[i] * scale)
    }
    let total = y.reduce(0) { $0 + $1 * $1 } * scale
    let captured = zip(lambdas, powers).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
    self.init(eigenvalues: lambdas, targetPower: powers, residualPower: max(total - captured, 0))
  }

  /// Σ_i λ_i: the mean diagonal E[K(x, x)].
  public var trace: Double { eigenvalues.reduce(0, +) }

  /// The prediction at n training samples.
  public struct Prediction: Equatable, Sendable {
    /// κ, the effective ridge.
    public var effectiveRidge: Double
    /// E₀ = n/(n − Σ L_i²).
    public var overfittingCoefficient: Double
    /// E₀·(Σ (1 − L_i)² v_i² + ε²).
    public var meanSquaredError: Double
  }

  /// κ, L_i, E₀ and the MSE at n samples with the ridge δ (≥ 0).
  public func prediction(samples n: Int, ridge delta: Double) -> Prediction {
    precondition(n > 0 && delta >= 0, "n = \(n), δ = \(delta)")
    let kappa = effectiveRidge(samples: n, ridge: delta)
    var squaredLearnability = 0.0, unlearned = 0.0
    for (lambda, power) in zip(eigenvalues, targetPower) {
      // κ = 0 (ridgeless, more samples than features): L = 1 for λ > 0, 0 for λ = 0.
      let l = kappa > 0 ? lambda / (lambda + kappa) : (lambda > 0 ? 1 : 0)
      squaredLearnability += l * l
      unlearned += (1 - l) * (1 - l) * power
    }
    let e0 = Double(n) / (Double(n) - squaredLearnability)
    return Prediction(
      effectiveRidge: kappa, overfittingCoefficient: e0, meanSquaredError: e0 * (unlearned + residualPower))
  }

  /// κ: the root of g(κ) = Σ_i λ_i/(λ_i + κ) + δ/κ − n, decreasing in κ,
  /// by bisection on log κ to a relative width of 4 ulps. g > 0 below δ/n
  /// (the ridge term alone exceeds n) and g ≤ 0 from (Σλ + δ)/n up (each
  /// term is at most λ_i/κ). With δ = 0 the lower end is halved until g > 0;
  /// if g never gets there (at most n positive λ_i), κ = 0.
  public func effectiveRidge(samples n: Int, ridge delta: Double) -> Double {
    let target = Double(n)
    func g(_ kappa: Double) -> Double {
      var sum = delta / kappa
      for lambda in eigenvalues { sum += lambda / (lambda + kappa) }
      return sum - target
    }
    var high = (trace + delta) / target
    guard high > 0 else { return 0 }
    var low: Double
    if delta > 0 {
      low = delta / target / 2
    } else {
      let positive = eigenvalues.filter { $0 > 0 }.count
      guard positive > n else { return 0 }
      low = high
      repeat { low /= 2 } while g(low) <= 0 && low > Double.leastNormalMagnitude
      guard g(low) > 0 else { return 0 }
    }
    while high / low > 1 + 4 * Double.ulpOfOne {
      let middle = (low * high).squareRoot()
      if g(middle) > 0 { low = middle } else { high = middle }
    }
    return (low * high).squareRoot()
  }
}
