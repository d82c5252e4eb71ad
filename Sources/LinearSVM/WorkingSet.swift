import NTKMath

/// Finishing exactly on a working set, where coordinate descent creeps: from
/// a near-optimal (w, b), the samples whose margins y_i (w·g_i + b) lie
/// nearest 1 form the working set B (at most `size`), and every other sample
/// is held at a value a_i, as in the decomposition methods (Osuna, Freund &
/// Girosi, "An improved training algorithm for support vector machines",
/// NNSP 1997; Joachims, "Making large-scale SVM learning practical", 1999).
/// What remains is the dual on B,
///
///     min ½‖w_H + Σ_{i∈B} y_i α_i g_i‖² − Σ_{i∈B} α_i,   0 ≤ α_i ≤ C,   Σ_{i∈B} y_i α_i = −Σ_{i∉B} y_i a_i,
///
/// w_H = Σ_{i∉B} y_i a_i g_i: a BoxQuadraticProgram with Hessian V Vᵀ,
/// V = (y_i g_i)_{i∈B}, or, where p ≥ |B|, Y K_BB Y itself (so that its
/// systems are never larger than min(p, |B|)). The bias is −λ, the equality's
/// multiplier. Two holdings:
/// - **by margin**: a_i = C below the margin, 0 above — the bound the margin
///   points to, which corrects the many α_i that coordinate descent leaves
///   between the bounds (at m = 2·10⁵, p = 625: 16,800 of them at a gap of
///   10⁻⁶, where the optimum has about 600);
/// - **as they are**: a_i = α_i of the start, where the margins of far more
///   than |B| samples lie within the error of 1 (a near-degenerate problem,
///   w ≈ 0) and the holding by margin cannot balance the bias's equality
///   (the u step, and the V step at m = 10⁶).
/// A sample held wrongly shows in the certificate of the whole problem, by
/// which the caller judges the result.
enum WorkingSet {
  /// How the samples outside B are held: at the bound their margin points to, or at their α.
  enum Holding: CaseIterable { case byMargin, asTheyAre }

  /// The samples in B: 2000, enough for the p + 1 samples a solution can have
  /// on the margin up to p of about 600, or 1 % of m, as the samples whose side
  /// of the margin is in doubt grow in number with m. Each interior-point step
  /// is O(|B|·min(p, |B|)²): at p = 625, about 0.1 s for 2000 and 0.5 s for 10⁴.
  static func size(samples m: Int) -> Int { min(m, max(2000, m / 100)) }

  /// (α, b) for the whole problem from the primal point (w, b) — the samples
  /// outside B held by their margins, or at `held` — or nil where B cannot
  /// balance the held samples.
  static func solve(
    weights w: [Double], bias b: Double, held: [Double]? = nil, y: [Double], C: Double, rows: FeatureRows,
    samples: SampleAccess
  ) -> (alpha: [Double], bias: Double)? {
    let m = y.count
    var margins = [Double](repeating: 0, count: m)
    w.withUnsafeBufferPointer { w in
      for i in 0..<m { margins[i] = y[i] * (samples.dot(i, w.baseAddress!) + b) }
    }
    let size = Self.size(samples: m)
    let band =
      m <= size
      ? Array(0..<m) : (0..<m).sorted { abs(margins[$0] - 1) < abs(margins[$1] - 1) }.prefix(size).sorted()
    var alpha = held ?? margins.map { $0 < 1 ? C : 0 }
    for i in band { alpha[i] = 0 }
    var wHeld = [Double](repeating: 0, count: samples.featureCount)
    var balance = 0.0
    var linear: [Double] = []
    wHeld.withUnsafeMutableBufferPointer { wp in
      for i in 0..<m where alpha[i] != 0 {
        samples.add(y[i] * alpha[i], times: i, to: wp.baseAddress!)
        balance += y[i] * alpha[i]
      }
      linear = band.map { y[$0] * samples.dot($0, wp.baseAddress!) - 1 }
    }
    let program = BoxQuadraticProgram(
      hessian: hessian(rows.rows(at: band), features: samples.featureCount, y: band.map { y[$0] }), linear: linear,
      equality: band.map { y[$0] }, target: -balance, C: C)
    guard let solution = program.solve() else { return nil }
    for (k, i) in band.enumerated() { alpha[i] = solution.a[k] }
    return (alpha, -solution.multiplier)
  }

  /// Y K Y for the rows' kernel K: as V = Y G where p < n, else whole.
  static func hessian(_ rows: FeatureRows, features p: Int, y: [Double]) -> BoxQuadraticProgram.Hessian {
    let n = y.count
    if p < n {
      var v = rows.expanded()
      for i in 0..<n where y[i] < 0 {
        for j in 0..<p { v[i, j] = -v[i, j] }
      }
      return .lowRank(v)
    }
    var q = rows.gram()
    for i in 0..<n {
      for j in 0..<n { q[i, j] *= y[i] * y[j] }
    }
    return .dense(q)
  }
}
