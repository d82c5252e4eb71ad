import NTKMath

/// An SVM dual on n samples with a low-rank Hessian,
///
///     min_a ½ aᵀ V Vᵀ a + qᵀa   subject to   yᵀa = r,   0 ≤ a ≤ C,
///
/// V n × k (or the Hessian Q = V Vᵀ itself), solved by a primal–dual interior-point method with Mehrotra's
/// predictor–corrector (Mehrotra, "On the implementation of a primal-dual
/// interior point method", SIAM J. Optim. 2, 1992; for a QP as in Gertz &
/// Wright's OOQP, ACM TOMS 29, 2003). With multipliers z, u ≥ 0 for the two
/// bounds and λ for the equality, it follows the central path
///
///     V Vᵀ a + q − λ y − z + u = 0,   yᵀa = r,   a_i z_i = (C − a_i) u_i = μ → 0.
///
/// Each Newton system is (diag(s) + Q) Δa − y Δλ = rhs, s_i = z_i/a_i +
/// u_i/(C − a_i). For Q = V Vᵀ of rank k < n it is solved by the
/// Sherman–Morrison–Woodbury identity through the k × k matrix
/// I + Vᵀ diag(1/s) V (as for SVMs in Fine & Scheinberg, "Efficient SVM
/// training using low-rank kernel representations", JMLR 2, 2001, and Ferris
/// & Munson, "Interior-point methods for massive support vector machines",
/// SIAM J. Optim. 13, 2002): O(n k²) a step; otherwise by the Cholesky factor
/// of diag(s) + Q, better conditioned than Woodbury's when s spans many orders
/// of magnitude and Q has full rank. Unlike an active-set guess it converges
/// whatever the degeneracy — more samples on the margin than the rank of Q —
/// in a few dozen steps.
struct BoxQuadraticProgram {
  var hessian: Hessian
  /// Q, as a factor V (n × k, Q = V Vᵀ) or whole (n × n).
  enum Hessian {
    case lowRank(Matrix)
    case dense(Matrix)
  }
  /// q.
  var linear: [Double]
  /// y and r of the equality yᵀa = r.
  var equality: [Double]
  var target: Double
  var C: Double

  struct Solution {
    /// a, each a_i far below its bound's multiplier set on that bound.
    var a: [Double]
    /// λ, the equality's multiplier.
    var multiplier: Double
  }

  /// Steps until the complementarity aᵀz + (C − a)ᵀu — the duality gap once
  /// the residuals vanish — is at the level of rounding (μ = 10⁻¹⁵ C‖q‖∞ a
  /// bound) and the residuals are below 10⁻⁹ of their scale, or until a
  /// step's system cannot be factored or its step stays in the box only by
  /// rounding (the last iterate stands). About 20 steps. Nil where the
  /// equality cannot hold in the box.
  func solve(maxSteps: Int = 100) -> Solution? {
    let (n, y, q, r, C) = (linear.count, equality, linear, target, C)
    let positive = Double(y.count { $0 > 0 }), negative = Double(y.count { $0 < 0 })
    guard r > -C * negative, r < C * positive else { return nil }
    var a = [Double](repeating: C / 2, count: n)
    var z = [Double](repeating: 1, count: n)
    var u = [Double](repeating: 1, count: n)
    var lambda = 0.0
    let dualScale = max(1, q.reduce(0) { max($0, abs($1)) })
    var steps = 0
    while steps < maxSteps {
      let qa = hessian.product(a)
      let rd = (0..<n).map { qa[$0] + q[$0] - lambda * y[$0] - z[$0] + u[$0] }
      let rp = zip(y, a).reduce(0) { $0 + $1.0 * $1.1 } - r
      let complementarity = (0..<n).reduce(0) { $0 + a[$1] * z[$1] + (C - a[$1]) * u[$1] }
      let converged =
        complementarity <= 1e-15 * Double(2 * n) * C * dualScale
        && rd.allSatisfy { abs($0) <= 1e-9 * dualScale } && abs(rp) <= 1e-9 * C * Double(n)
      if converged { break }
      let mu = complementarity / Double(2 * n)
      let s = (0..<n).map { z[$0] / a[$0] + u[$0] / (C - a[$0]) }
      guard let solveSystem = hessian.solver(adding: s) else { break }
      let my = solveSystem(y)
      let ymy = zip(y, my).reduce(0) { $0 + $1.0 * $1.1 }
      /// The step for complementarity targets a_i z_i → a_i z_i + lowerRight_i, (C − a_i) u_i likewise.
      func direction(_ lowerRight: [Double], _ upperRight: [Double]) -> Step {
        let rhs = (0..<n).map { -rd[$0] + lowerRight[$0] / a[$0] - upperRight[$0] / (C - a[$0]) }
        let mr = solveSystem(rhs)
        let dLambda = (-rp - zip(y, mr).reduce(0) { $0 + $1.0 * $1.1 }) / ymy
        let da = (0..<n).map { mr[$0] + dLambda * my[$0] }
        return Step(
          a: da, z: (0..<n).map { (lowerRight[$0] - z[$0] * da[$0]) / a[$0] },
          u: (0..<n).map { (upperRight[$0] + u[$0] * da[$0]) / (C - a[$0]) }, lambda: dLambda)
      }
      /// The largest t ≤ 1 keeping a, C − a, z and u non-negative along the step.
      func longest(_ d: Step) -> Double {
        var t = 1.0
        for i in 0..<n {
          if d.a[i] < 0 { t = min(t, -a[i] / d.a[i]) }
          if d.a[i] > 0 { t = min(t, (C - a[i]) / d.a[i]) }
          if d.z[i] < 0 { t = min(t, -z[i] / d.z[i]) }
          if d.u[i] < 0 { t = min(t, -u[i] / d.u[i]) }
        }
        return t
      }
      let affine = direction((0..<n).map { -a[$0] * z[$0] }, (0..<n).map { -(C - a[$0]) * u[$0] })
      let t = longest(affine)
      let affineMu =
        (0..<n).reduce(0) { total, i in
          total + (a[i] + t * affine.a[i]) * (z[i] + t * affine.z[i])
            + (C - a[i] - t * affine.a[i]) * (u[i] + t * affine.u[i])
        } / Double(2 * n)
      let sigma = pow3(affineMu / mu)
      let corrected = direction(
        (0..<n).map { sigma * mu - a[$0] * z[$0] - affine.a[$0] * affine.z[$0] },
        (0..<n).map { sigma * mu - (C - a[$0]) * u[$0] + affine.a[$0] * affine.u[$0] })
      let length = 0.99 * longest(corrected)
      let next = (0..<n).map { a[$0] + length * corrected.a[$0] }
      guard length > 0, next.allSatisfy({ $0 > 0 && $0 < C }) else { break }
      a = next
      for i in 0..<n {
        z[i] += length * corrected.z[i]
        u[i] += length * corrected.u[i]
      }
      lambda += length * corrected.lambda
      steps += 1
    }
    // On the central path a_i z_i = μ: a_i far below its multiplier z_i is at its bound (a degenerate
    // sample, on the margin at its bound, has both near √μ and keeps its a_i).
    let rounded = (0..<n).map { a[$0] < 1e-6 * z[$0] ? 0 : C - a[$0] < 1e-6 * u[$0] ? C : a[$0] }
    return Solution(a: rounded, multiplier: lambda)
  }

  struct Step {
    var a: [Double]
    var z: [Double]
    var u: [Double]
    var lambda: Double
  }
}

extension BoxQuadraticProgram.Hessian {
  func product(_ a: [Double]) -> [Double] {
    switch self {
    case .lowRank(let v): return BLAS.product(v, vector: BLAS.product(v, vector: a, transposeA: true))
    case .dense(let q): return BLAS.product(q, vector: a)
    }
  }

  /// x ↦ (diag(s) + Q)⁻¹ x, or nil where its factorisation fails (to rounding).
  func solver(adding s: [Double]) -> (([Double]) -> [Double])? {
    let n = s.count
    switch self {
    case .lowRank(let v):
      // (diag(s) + V Vᵀ)⁻¹ x = t − diag(1/s) V M⁻¹ Vᵀ t,  t = x/s,  M = I + Vᵀ diag(1/s) V.
      var scaled = v
      var overS = v
      for i in 0..<n {
        let root = 1 / s[i].squareRoot()
        for j in 0..<v.columns {
          scaled[i, j] *= root
          overS[i, j] /= s[i]
        }
      }
      var m = BLAS.crossProduct(scaled)
      for j in 0..<v.columns { m[j, j] += 1 }
      guard let cholesky = try? Cholesky(m) else { return nil }
      return { x in
        let t = (0..<n).map { x[$0] / s[$0] }
        let correction = BLAS.product(overS, vector: cholesky.solve(BLAS.product(v, vector: t, transposeA: true)))
        return (0..<n).map { t[$0] - correction[$0] }
      }
    case .dense(var q):
      for i in 0..<n { q[i, i] += s[i] }
      guard let cholesky = try? Cholesky(q) else { return nil }
      return cholesky.solve
    }
  }
}

private func pow3(_ x: Double) -> Double { x * x * x }
