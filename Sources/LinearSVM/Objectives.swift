import NTKMath

/// The two objectives of a C-SVC solution and their gap:
///
///     P(w, b) = ½‖w‖² + C Σ_i max(0, 1 − y_i (w·g_i + b)),   D(α) = Σ_i α_i − ½‖w(α)‖²,
///
/// with α_i = |dual_coef_i|; D ≤ P* ≤ P when Σ y_i α_i = 0 and 0 ≤ α ≤ C.
public struct SVMObjectives: Sendable, Equatable {
  public var primal: Double
  public var dual: Double
  /// (P − D)/P.
  public var relativeGap: Double { (primal - dual) / max(primal, .leastNormalMagnitude) }

  public init(primal: Double, dual: Double) {
    self.primal = primal
    self.dual = dual
  }

  /// The objectives of a solution whose weights w = Σ dual_coef_i g_{support_i} were formed from it.
  public init(rows: FeatureRows, labels y: [Double], weights w: [Double], solution: SVMSolution, C: Double) {
    precondition(rows.sampleCount == y.count)
    let halfNorm = 0.5 * w.reduce(0) { $0 + $1 * $1 }
    let loss = rows.withSampleAccess { samples in
      w.withUnsafeBufferPointer { w in
        (0..<y.count).reduce(0.0) { $0 + max(0, 1 - y[$1] * (samples.dot($1, w.baseAddress!) + solution.intercept)) }
      }
    }
    self.init(primal: halfNorm + C * loss, dual: solution.dualCoefficients.reduce(0) { $0 + abs($1) } - halfNorm)
  }
}
