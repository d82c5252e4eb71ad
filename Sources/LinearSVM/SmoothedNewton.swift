import Foundation
import NTKMath

/// The same C-SVC for few features (p ≤ `DualCoordinateDescent.newtonFeatureLimit`),
/// in the primal's p + 1 unknowns, where dual coordinate descent creeps: with
/// p ≪ m most samples are bound support vectors, and where C‖g‖² is in the
/// hundreds the dual is stiff (scikit-learn's LinearSVC, the same coordinate
/// descent, did not finish 200,000 samples of the u step in five minutes).
///
/// **Newton's method on the smoothed hinge, with continuation** (the Moreau
/// envelope of the hinge, or Huber's loss: Chapelle, "Training a support
/// vector machine in the primal", Neural Computation 19, 2007, §4; Nesterov,
/// "Smooth minimization of non-smooth functions", Math. Prog. 103, 2005):
///
///     F_μ(w, b) = ½‖w‖² + C Σ_i ℓ_μ(t_i),   t_i = 1 − y_i (w·g_i + b),
///     ℓ_μ(t) = 0 (t ≤ 0),  t²/(2μ) (0 < t < μ),  t − μ/2 (t ≥ μ),
///
/// with ℓ_μ ≤ max(0, t) ≤ ℓ_μ + μ/2. Its gradient is (w − Σ y_i α_i g_i,
/// −Σ y_i α_i) with α_i = C·clip(t_i/μ, 0, 1) ∈ [0, C], so that at F_μ's
/// minimum α is feasible for the SVM's dual; its Hessian is the identity on w
/// plus (C/μ) Σ_{0<t_i<μ} [g_i; 1][g_i; 1]ᵀ, built from the few samples in the
/// quadratic zone (with C/μ in b where no sample is in it, and F_μ is flat in b)
/// and solved by an eigendecomposition. Each Newton step is damped by backtracking
/// (Armijo); μ starts at 1 (the margin's scale) and shrinks tenfold once
/// Newton has converged, warm-started, until the certificate — the same as
/// coordinate descent's, from α — is within the tolerance. The working set's
/// exact solve (WorkingSet) from each certificate finishes where Newton
/// creeps. A pass is one product of every row with w.
extension LinearTimeSolve {
  mutating func newton(progress: (DualCoordinateDescent.Status) -> Void) throws -> DualCoordinateDescent.Result {
    let p = samples.featureCount
    var w = [Double](repeating: 0, count: p)
    var b = 0.0
    var mu = 1.0
    var best: Certificate? = nil
    var history: [(passes: Double, gap: Double)] = []
    var steps = 0
    while true {
      var state = smoothed(w, b, mu)
      for _ in 0..<50 {
        let zone = (0..<m).filter { state.t[$0] > 0 && state.t[$0] < mu }
        let direction = newtonDirection(state, zone: zone, mu: mu)
        let slope = zip(state.gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
        if -slope <= 1e-24 * max(state.value, 1) { break }
        var step = 1.0
        var next = state
        for _ in 0..<40 {
          let trial = (0..<p).map { w[$0] + step * direction[$0] }
          next = smoothed(trial, b + step * direction[p], mu)
          if next.value <= state.value + 1e-4 * step * slope { break }
          step /= 2
        }
        guard next.value < state.value else { break }
        w = next.w
        b = next.b
        state = next
        steps += 1
      }
      let alpha = state.alpha
      var certificate = self.certificate(feasible: scaled(alpha, balance(of: alpha)), bias: b)
      // Both holdings, any gain kept: at most 12 certificates (one per μ) need no rationing; coordinate descent's
      // rule, for its hundreds, is in MethodOfMultipliers.swift.
      for holding in WorkingSet.Holding.allCases where certificate.relativeGap > tolerance {
        if let exact = finished(from: certificate, holding: holding), exact.relativeGap < certificate.relativeGap {
          certificate = exact
        }
      }
      if best.map({ certificate.relativeGap < $0.relativeGap }) ?? true { best = certificate }
      history.append((passes, best!.relativeGap))
      progress(.init(passes: passes, gap: best!.relativeGap, passesLeft: Self.passesLeft(history, tolerance)))
      if best!.relativeGap <= tolerance { return best!.result(method: "Newton", passes: passes, steps: steps) }
      // Below 10⁻¹⁰ the quadratic zone is at the level of rounding: the working set must have finished by then.
      if passes >= Double(maxPasses) {
        throw SVMError.passLimit(gap: best!.relativeGap, tolerance: tolerance, passes: maxPasses)
      }
      if mu <= 1e-10 {
        throw SVMError.smoothingLimit(gap: best!.relativeGap, tolerance: tolerance, mu: mu, passes: passes)
      }
      mu /= 10
    }
  }

  /// F_μ at (w, b), with t_i, α_i and the gradient: one pass.
  struct Smoothed {
    var w: [Double]
    var b: Double
    var t: [Double]
    var alpha: [Double]
    var value: Double
    /// (∂F/∂w, ∂F/∂b).
    var gradient: [Double]
  }

  mutating func smoothed(_ w: [Double], _ b: Double, _ mu: Double) -> Smoothed {
    visits += 2 * m
    var t = [Double](repeating: 0, count: m)
    var alpha = [Double](repeating: 0, count: m)
    var loss = 0.0
    var combination = [Double](repeating: 0, count: w.count)
    w.withUnsafeBufferPointer { wp in
      combination.withUnsafeMutableBufferPointer { cp in
        for i in 0..<m {
          let ti = 1 - y[i] * (samples.dot(i, wp.baseAddress!) + b)
          t[i] = ti
          loss += ti <= 0 ? 0 : ti < mu ? ti * ti / (2 * mu) : ti - mu / 2
          alpha[i] = C * min(max(ti / mu, 0), 1)
          if alpha[i] != 0 { samples.add(y[i] * alpha[i], times: i, to: cp.baseAddress!) }
        }
      }
    }
    let gradient = zip(w, combination).map { $0 - $1 } + [-balance(of: alpha)]
    let value = 0.5 * w.reduce(0) { $0 + $1 * $1 } + C * loss
    return Smoothed(w: w, b: b, t: t, alpha: alpha, value: value, gradient: gradient)
  }

  /// −H⁻¹ ∇F_μ, H = [I 0; 0 0] + (C/μ) Σ_{zone} [g_i; 1][g_i; 1]ᵀ (F_μ's Hessian; C/μ in b for an empty zone).
  func newtonDirection(_ state: Smoothed, zone: [Int], mu: Double) -> [Double] {
    let p = samples.featureCount
    var hessian = Matrix(rows: p + 1, columns: p + 1)
    for j in 0..<p { hessian[j, j] = 1 }
    if !zone.isEmpty {
      let rowsOfZone = rows.rows(at: zone).expanded()
      let gram = BLAS.product(rowsOfZone, rowsOfZone, transposeA: true)
      let sums = BLAS.product(rowsOfZone, vector: [Double](repeating: 1, count: zone.count), transposeA: true)
      let scale = C / mu
      for r in 0..<p {
        for c in 0..<p { hessian[r, c] += scale * gram[r, c] }
        hessian[r, p] = scale * sums[r]
        hessian[p, r] = scale * sums[r]
      }
      hessian[p, p] = scale * Double(zone.count)
    }
    // With no sample in the zone F_μ is flat in b (linear): curvature as if one sample were there keeps the
    // step in b finite; the line search keeps it a descent.
    if zone.isEmpty { hessian[p, p] = C / mu }
    // Every eigenvalue counts: the identity on w is tiny beside (C/μ)·Σ g gᵀ at small μ.
    return pseudoinverseSolve(hessian, state.gradient.map { -$0 })
  }
}

/// H⁺ r for a symmetric H, from its eigendecomposition (every nonzero eigenvalue counts).
func pseudoinverseSolve(_ h: Matrix, _ r: [Double]) -> [Double] {
  let (lambda, vectors) = h.symmetricEigendecomposition()
  var coordinates = BLAS.product(vectors, vector: r)
  for k in coordinates.indices { coordinates[k] = lambda[k] != 0 ? coordinates[k] / lambda[k] : 0 }
  return BLAS.product(vectors, vector: coordinates, transposeA: true)
}
