/// The multiplier b is a root of s(b), the Σ y_i α_i of the inner problem's
/// solution: that problem is strongly convex in s, so s(b) is single valued,
/// continuous and non-increasing (the derivative of a concave dual function),
/// and s = 0 exactly where the penalty vanishes and the inner problem is the
/// original one. The search keeps the largest b with s > 0 and the smallest
/// with s < 0 and steps, in order of preference, to
/// - the primal's own best bias b̂ for the current w (exact, from the kinks of
///   the hinge loss; it tends to the optimal bias as w does), when it lies
///   strictly between them and the last such step halved the bracket;
/// - the regula falsi point in its Illinois form (Dowell & Jarratt, BIT 11,
///   1971) once a root is bracketed;
/// - otherwise the method of multipliers' step ρ s, doubled while s keeps its
///   sign (where the features are tiny and the bias does the work, ρ s is tiny too).
struct BiasSearch {
  struct End {
    var b: Double
    /// s(b), halved by Illinois while the other end moves.
    var s: Double
    /// The inner solve's ε when s was found: s is only as exact as its solve.
    var epsilon: Double
  }
  /// The largest b with s > 0 and the smallest with s < 0 so far.
  var low: End? = nil
  var high: End? = nil
  /// The end the last step replaced: +1 low, −1 high.
  var lastEnd = 0
  var lastStep = 0.0
  /// The bracket's width before the last step to b̂, while that step is being judged.
  var widthBeforePrimalStep: Double? = nil

  var width: Double { (high?.b ?? .infinity) - (low?.b ?? -.infinity) }

  mutating func next(
    bias b: Double, balance s: Double, epsilon: Double, multiplierStep: Double, primalBias: Double
  ) -> Double {
    guard s != 0 else { return b }
    let end = s > 0 ? 1 : -1
    let found = End(b: b, s: s, epsilon: epsilon)
    if end == 1 { low = found } else { high = found }
    if end == lastEnd {  // the other end kept twice: halve its s
      if end == 1 { high?.s /= 2 } else { low?.s /= 2 }
    }
    lastEnd = end
    // A bracket closed to rounding around an end found by a looser solve may be that solve's error:
    // forget the looser end and search again from here.
    if let l = low, let h = high, h.b - l.b <= 4 * max(l.b.ulp, h.b.ulp) {
      if l.epsilon > h.epsilon { low = nil } else if h.epsilon > l.epsilon { high = nil }
      widthBeforePrimalStep = nil
      lastStep = 0
    }
    let primalHelped = widthBeforePrimalStep.map { width <= $0 / 2 } ?? true
    widthBeforePrimalStep = nil
    let next: Double
    if primalHelped, primalBias > (low?.b ?? -.infinity), primalBias < (high?.b ?? .infinity) {
      widthBeforePrimalStep = width
      next = primalBias
    } else if let l = low, let h = high {
      next = (l.b * h.s - h.b * l.s) / (h.s - l.s)
    } else {
      let doubled = lastStep * Double(end) > 0 ? 2 * lastStep : 0
      next = b + (abs(doubled) > abs(multiplierStep) ? doubled : multiplierStep)
    }
    lastStep = next - b
    return next
  }
}
