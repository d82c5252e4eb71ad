import CPrefetch
import Foundation
import NTKMath

/// The C-SVC that libsvm solves,
///
///     P(w, b) = ½‖w‖² + C Σ_i max(0, 1 − y_i (w·g_i + b)),   y_i ∈ {−1, +1},  b unpenalised,
///
/// solved in time linear in the number of samples m: O(m·p) a pass over p
/// features, no m × m matrix, no kernel column, on dense or factored rows.
///
/// Its dual is max D(α) = Σ α_i − ½‖w(α)‖², w(α) = Σ_i y_i α_i g_i, over
/// 0 ≤ α_i ≤ C with Σ y_i α_i = 0: the unpenalised bias's equality constraint.
///
/// **The method of multipliers** (Hestenes 1969; Powell 1969; for the bias,
/// the proximal point method on b, Rockafellar 1976) keeps that constraint:
/// for a multiplier b it minimises over the box alone
///
///     ½‖w(α)‖² − Σ α_i + b·s + (ρ/2)·s²,   s = Σ y_i α_i,
///
/// whose solution's s(b) is single valued and non-increasing, zero exactly at
/// the optimal bias; BiasSearch finds that root. Each inner problem is
/// LIBLINEAR's dual with the bias as an extra feature of value √ρ, which
/// **dual coordinate descent with shrinking** solves (Hsieh, Chang, Lin,
/// Keerthi & Sundararajan, "A dual coordinate descent method for large-scale
/// linear SVM", ICML 2008, Algorithm 3; Fan et al., JMLR 2008): coordinate i
/// has the gradient G_i = y_i (w·g_i + b + ρ s) − 1 and the step
/// α_i ← clamp(α_i − G_i / (‖g_i‖² + ρ), 0, C), then w += Δα_i y_i g_i and
/// s += y_i Δα_i: O(p) each. (Without the (ρ/2)s² term a search on b stalls:
/// where p < m the inner solution is not unique and its s need not reach 0 at
/// the optimal b.) Inner solves stop on LIBLINEAR's projected-gradient rule, at
/// an ε that shrinks fourfold per step of b.
///
/// It stops on a **certificate**, the relative duality gap
/// (P − D)/P ≤ `tolerance`, with both bounds on the optimum P*:
/// - D = D(α′) at a feasible α′: α with the larger class's α scaled down until
///   Σ y_i α′_i = 0, or the convex combination of the last inner solutions on
///   either side of the root that has Σ y_i α′_i = 0, or the exact solution
///   on a working set of the samples nearest the margin (WorkingSet);
/// - P = P(w(α′), b̂), b̂ the exact minimiser over b of the hinge loss at
///   w(α′) (found among the samples' kinks; among equal minimisers the one
///   nearest b + ρ s).
/// The weights, bias and α′ it returns are these: w = Σ y_i α′_i g_i exactly.
/// Since P is 1-strongly convex in w, ‖w − w*‖² ≤ 2(P − D).
public enum DualCoordinateDescent {
  public struct Parameters: Sendable, Equatable {
    public var C: Double
    /// The relative duality gap (P − D)/P to reach.
    public var tolerance: Double
    /// Passes (coordinates visited / m) before giving up.
    public var maxPasses: Int
    /// Coordinate descent, Newton's method, or by the number of features (`newtonFeatureLimit`).
    public var method: Method

    public enum Method: Sendable { case automatic, coordinateDescent, newton }

    /// 1e-5: an objective within 10⁻⁵ of the optimum, closer than libsvm's at
    /// its default (scikit-learn's tol = 1e-3 left a gap of 2.3·10⁻⁴ on the
    /// W step at m = 2000), at about three times the passes of 1e-4.
    public static let defaultTolerance = 1e-5
    public static let defaultMaxPasses = 1000

    public init(
      C: Double, tolerance: Double = defaultTolerance, maxPasses: Int = defaultMaxPasses, method: Method = .automatic
    ) {
      self.C = C
      self.tolerance = tolerance
      self.maxPasses = maxPasses
      self.method = method
    }
  }

  /// Where the solver stands, after each pass.
  public struct Status: Sendable {
    /// Coordinates visited, in passes over the m samples.
    public var passes: Double
    /// The relative duality gap at the last certificate (∞ before the first).
    public var gap: Double
    /// Passes still needed at the rate the gap has been falling (nil: unknown).
    public var passesLeft: Double?
  }

  public struct Result: Sendable {
    /// The dual solution in scikit-learn's conventions (α′, b̂).
    public var solution: SVMSolution
    /// w(α′) = Σ_i y_i α′_i g_i, blocks as in the rows.
    public var weights: [Double]
    /// P(w(α′), b̂) and D(α′).
    public var objectives: SVMObjectives
    /// Coordinates visited, in passes over the m samples.
    public var passes: Double
    /// Which method solved it: `coordinate descent` or `Newton` (few features: SmoothedNewton.swift).
    public var method: String
    /// Its steps: inner solves, one per value of the multiplier b, or Newton steps.
    public var steps: Int
  }

  /// Solves the C-SVC on `rows` (labels ±1); `progress` is called after each pass.
  public static func solve(
    rows: FeatureRows, labels y: [Double], parameters: Parameters, progress: (Status) -> Void = { _ in }
  ) throws -> Result {
    try LinearSVM.validate(labels: y, parameters: SVMParameters(C: parameters.C))
    guard parameters.tolerance > 0, parameters.tolerance.isFinite else {
      throw SVMError.invalidParameters(
        "the duality-gap tolerance must be a positive number, got \(parameters.tolerance)")
    }
    precondition(rows.sampleCount == y.count)
    return try rows.withSampleAccess { samples in
      var solver = Solver(rows: rows, samples: samples, y: y, parameters: parameters)
      let newton =
        parameters.method == .automatic
        ? samples.featureCount <= newtonFeatureLimit : parameters.method == .newton
      return try newton ? solver.newton(progress: progress) : solver.run(progress: progress)
    }
  }
}

extension SVMError {
  /// The pass limit came before the certificate.
  static func notConverged(gap: Double, tolerance: Double, passes: Int) -> SVMError {
    .invalidParameters(
      "the linear solver stopped at its limit of \(passes) passes with a relative duality gap of "
        + "\(String(format: "%.3g", gap)), above the tolerance \(tolerance): no solution written "
        + "(raise --max-passes or --gap-tolerance)")
  }
}

struct Solver {
  let rows: FeatureRows
  let samples: SampleAccess
  let y: [Double]
  let C: Double
  let tolerance: Double
  let maxPasses: Int
  let m: Int
  /// ‖g_i‖².
  let squaredNorms: [Double]
  /// ρ, the penalty on (Σ y_i α_i)²: a tenth of the mean ‖g_i‖², the scale of the other curvatures
  /// (measured: 0.1–0.3 of it took the fewest passes; the mean itself 1.5 times as many, as it damps every
  /// step). The multiplier's steps need not be ρ s (BiasSearch).
  let rho: Double
  var alpha: [Double]
  /// w(α), kept up to date coordinate by coordinate.
  var w: [Double]
  /// s = Σ y_i α_i, likewise.
  var balance = 0.0
  /// Coordinates visited; a pass is m of them.
  var visits = 0
  /// The α of the last inner solution with s > 0 (key 1) and with s < 0 (key −1).
  var sides: [Double: Side] = [:]
  struct Side {
    var alpha: [Double]
    var s: Double
  }
  var random = SplitMix64(seed: 0x5eed)

  var passes: Double { Double(visits) / Double(m) }

  init(rows: FeatureRows, samples: SampleAccess, y: [Double], parameters: DualCoordinateDescent.Parameters) {
    self.rows = rows
    self.samples = samples
    self.y = y
    C = parameters.C
    tolerance = parameters.tolerance
    maxPasses = parameters.maxPasses
    m = y.count
    squaredNorms = (0..<y.count).map { samples.squaredNorm($0) }
    let mean = squaredNorms.reduce(0, +) / Double(y.count)
    rho = 0.1 * (mean > 0 ? mean : 1)
    alpha = [Double](repeating: 0, count: y.count)
    w = [Double](repeating: 0, count: samples.featureCount)
  }

  mutating func run(progress: (DualCoordinateDescent.Status) -> Void) throws -> DualCoordinateDescent.Result {
    var b = 0.0
    // The inner solves' tolerance on the projected gradient (LIBLINEAR's ε), tightened as the bias settles.
    var epsilon = 0.1
    var history: [(passes: Double, gap: Double)] = []
    var steps = 0
    var search = BiasSearch()
    // The best certificate so far: each is a consistent (α′, w(α′), b̂).
    var best: Certificate? = nil
    // After every step the working set tries to finish exactly, each holding in turn until one cuts the gap
    // tenfold. On problems of over a million feature entries, where an attempt costs seconds, only from a gap
    // of 10⁻³ (measured: every success came from below 10⁻⁴, every attempt from above 5·10⁻³ failed), and each
    // holding only until it has failed three times in a row.
    let large = m * samples.featureCount >= 1 << 20
    var finishFailures = [WorkingSet.Holding: Int]()
    while true {
      let last = history.last
      let left = Self.passesLeft(history, tolerance)
      try innerSolve(bias: b, epsilon: epsilon) { passes in
        progress(
          .init(
            passes: passes, gap: last?.gap ?? .infinity,
            passesLeft: left.map { max(0, $0 - (passes - last!.passes)) }))
      }
      steps += 1
      if balance != 0 { sides[balance > 0 ? 1 : -1] = Side(alpha: alpha, s: balance) }
      var certificate = self.certificate(bias: b + rho * balance)
      for holding in WorkingSet.Holding.allCases where certificate.relativeGap > tolerance {
        guard !large || (certificate.relativeGap <= 1e-3 && finishFailures[holding, default: 0] < 3) else { continue }
        if let exact = finished(from: certificate, holding: holding),
          exact.relativeGap < certificate.relativeGap / 10
        {
          certificate = exact
          finishFailures[holding] = 0
          break
        }
        finishFailures[holding, default: 0] += 1
      }
      if best.map({ certificate.relativeGap < $0.relativeGap }) ?? true { best = certificate }
      history.append((passes, best!.relativeGap))
      progress(.init(passes: passes, gap: best!.relativeGap, passesLeft: Self.passesLeft(history, tolerance)))
      if best!.relativeGap <= tolerance {
        return best!.result(method: "coordinate descent", passes: passes, steps: steps)
      }
      if passes >= Double(maxPasses) {
        throw SVMError.notConverged(gap: best!.relativeGap, tolerance: tolerance, passes: maxPasses)
      }
      b = search.next(
        bias: b, balance: balance, epsilon: epsilon, multiplierStep: rho * balance,
        primalBias: certificate.solution.intercept)
      epsilon = max(epsilon / 4, 1e-12)
    }
  }

  /// Hsieh et al.'s Algorithm 3 on the augmented dual at the multiplier b:
  /// coordinate descent over the active samples in a random order, shrinking
  /// those at a bound whose gradient points out of the box, until every
  /// projected gradient is within ε. Coordinate i's gradient is
  /// y_i (w·g_i + b + ρ s) − 1 and its curvature ‖g_i‖² + ρ.
  static let innerPassLimit = 50

  mutating func innerSolve(bias b: Double, epsilon: Double, afterPass: (Double) -> Void) throws {
    var active = Array(0..<m)
    var activeCount = m
    var upperOld = Double.infinity
    var lowerOld = -Double.infinity
    let (samples, C, y, squaredNorms, rho, m) = (self.samples, self.C, self.y, self.squaredNorms, self.rho, self.m)
    var alpha: [Double] = []
    var w: [Double] = []
    swap(&alpha, &self.alpha)
    swap(&w, &self.w)
    defer {
      swap(&alpha, &self.alpha)
      swap(&w, &self.w)
    }
    var balance = self.balance
    defer { self.balance = balance }
    // An inner solve stops after `innerPassLimit` passes too, so that certificates (and working-set solves) come
    // regularly where coordinate descent creeps (nearly hard-margin problems, C‖g‖² in the hundreds).
    let stop = min(maxPasses * m, visits + Self.innerPassLimit * m)
    while visits < stop {
      var upper = -Double.infinity
      var lower = Double.infinity
      for s in stride(from: activeCount - 1, to: 0, by: -1) {
        active.swapAt(s, Int(random.next() % UInt64(s + 1)))
      }
      visits += activeCount
      w.withUnsafeMutableBufferPointer { wp in
        alpha.withUnsafeMutableBufferPointer { alpha in
          let w = wp.baseAddress!
          var s = 0
          while s < activeCount {
            let i = active[s]
            if s + 2 < activeCount {
              let next = active[s + 2]
              samples.prefetch(next)
              y.withUnsafeBufferPointer { ntk_prefetch($0.baseAddress! + next) }
              squaredNorms.withUnsafeBufferPointer { ntk_prefetch($0.baseAddress! + next) }
              ntk_prefetch(alpha.baseAddress! + next)
            }
            let yi = y[i]
            let g = yi * (samples.dot(i, w) + b + rho * balance) - 1
            var projected = g
            if alpha[i] == 0 {
              if g > upperOld {
                activeCount -= 1
                active.swapAt(s, activeCount)
                continue
              }
              projected = min(g, 0)
            } else if alpha[i] == C {
              if g < lowerOld {
                activeCount -= 1
                active.swapAt(s, activeCount)
                continue
              }
              projected = max(g, 0)
            }
            upper = max(upper, projected)
            lower = min(lower, projected)
            if abs(projected) > 1e-12 {
              let old = alpha[i]
              alpha[i] = min(max(old - g / (squaredNorms[i] + rho), 0), C)
              let step = (alpha[i] - old) * yi
              if step != 0 {
                samples.add(step, times: i, to: w)
                balance += step
              }
            }
            s += 1
          }
        }
      }
      afterPass(passes)
      if upper <= epsilon && lower >= -epsilon {
        if activeCount == m { return }
        // Converged on the active set: check every sample again.
        activeCount = m
        upperOld = .infinity
        lowerOld = -.infinity
        continue
      }
      upperOld = upper > 0 ? upper : .infinity
      lowerOld = lower < 0 ? lower : -.infinity
    }
  }

  /// The certificate of the working set's exact solve from a certificate, the other samples held as `holding` says.
  func finished(from start: Certificate, holding: WorkingSet.Holding) -> Certificate? {
    guard
      let (alpha, bias) = WorkingSet.solve(
        weights: start.weights, bias: start.intercept, held: holding == .asTheyAre ? start.alpha : nil, y: y, C: C,
        rows: rows, samples: samples)
    else { return nil }
    return certificate(feasible: scaled(alpha, balance(of: alpha)), bias: bias)
  }

  /// Σ y_i α_i.
  func balance(of alpha: [Double]) -> Double { zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 } }

  /// The better of two certificates: from the current α made feasible by
  /// scaling, and — once both signs of s have been seen — from the convex
  /// combination λ α₊ + (1 − λ) α₋ of the last α with s > 0 and the last with
  /// s < 0 that has Σ y_i α_i = 0. The combination is feasible, and by the
  /// concavity of D its value is at least λ D(α₊) + (1 − λ) D(α₋) evaluated
  /// as Lagrangians, which stays tight when s(b) jumps at the optimal bias
  /// (as it does where p < m and the inner solution is not unique).
  func certificate(bias: Double) -> Certificate {
    var candidates = [scaled(alpha, balance)]
    if let (positive, negative) = (sides[1], sides[-1]) as? (Side, Side) {
      let lambda = -negative.s / (positive.s - negative.s)
      let mixed = (0..<m).map { min(lambda * positive.alpha[$0] + (1 - lambda) * negative.alpha[$0], C) }
      candidates.append(scaled(mixed, balance(of: mixed)))
    }
    return candidates.map { certificate(feasible: $0, bias: bias) }.min { $0.relativeGap < $1.relativeGap }!
  }

  /// α with the α of the class whose Σ α is larger scaled down so that Σ y_i α′_i = 0.
  func scaled(_ alpha: [Double], _ s: Double) -> [Double] {
    guard s != 0 else { return alpha }
    let larger: Double = s > 0 ? 1 : -1
    var sums = [1.0: 0.0, -1.0: 0.0]
    for i in 0..<m { sums[y[i], default: 0] += alpha[i] }
    // (s and the two sums round differently: never scale up.)
    let ratio = min(sums[-larger]! / sums[larger]!, 1)
    return (0..<m).map { y[$0] == larger ? alpha[$0] * ratio : alpha[$0] }
  }

  /// The gap between D(α′) for a feasible α′ and P(w(α′), b̂).
  func certificate(feasible: [Double], bias: Double) -> Certificate {
    var weights = [Double](repeating: 0, count: samples.featureCount)
    var margins = [Double](repeating: 0, count: m)
    weights.withUnsafeMutableBufferPointer { wp in
      for i in 0..<m where feasible[i] != 0 { samples.add(y[i] * feasible[i], times: i, to: wp.baseAddress!) }
      for i in 0..<m { margins[i] = y[i] * samples.dot(i, wp.baseAddress!) }
    }
    let halfNorm = 0.5 * weights.reduce(0) { $0 + $1 * $1 }
    let (bestBias, loss) = bestBias(margins: margins, near: bias)
    let primal = halfNorm + C * loss
    let dual = feasible.reduce(0, +) - halfNorm
    return Certificate(
      alpha: feasible, y: y, weights: weights, intercept: bestBias,
      objectives: SVMObjectives(primal: primal, dual: dual))
  }

  /// The b minimising Σ_i max(0, 1 − y_i s_i − y_i b) for margins y_i s_i, and
  /// that loss. The loss is convex and piecewise linear in b, with a kink at
  /// 1 − s_i for each positive sample (slope −1 below it) and at −1 − s_i for
  /// each negative one (slope +1 above it): its minimum is where the count of
  /// negative kinks below b overtakes that of positive kinks above b.
  func bestBias(margins: [Double], near b: Double) -> (bias: Double, loss: Double) {
    // Positive kinks t_i = 1 − s_i, negative kinks t_i = −1 − s_i (s_i = y_i·margin_i / y_i = w·g_i).
    var positiveKinks: [Double] = []
    var negativeKinks: [Double] = []
    for i in 0..<m {
      let output = y[i] * margins[i]
      if y[i] > 0 { positiveKinks.append(1 - output) } else { negativeKinks.append(-1 - output) }
    }
    positiveKinks.sort()
    negativeKinks.sort()
    // slope(b) = #(negative kinks < b) − #(positive kinks > b); it rises from −n₊ to n₋.
    // Walk the merged kinks; the minimisers are the b where the slope crosses zero.
    let (np, nn) = (positiveKinks.count, negativeKinks.count)
    var (p, n) = (0, 0)  // kinks passed so far
    var low = -Double.infinity
    var high = Double.infinity
    while p < np || n < nn {
      let next = n < nn && (p >= np || negativeKinks[n] <= positiveKinks[p]) ? negativeKinks[n] : positiveKinks[p]
      // Slope just below `next`.
      let slopeBelow = n - (np - p)
      if slopeBelow >= 0 {
        high = next
        break
      }
      // Pass every kink at `next`.
      while p < np && positiveKinks[p] == next { p += 1 }
      while n < nn && negativeKinks[n] == next { n += 1 }
      let slopeAbove = n - (np - p)
      if slopeAbove > 0 {
        low = next
        high = next
        break
      }
      if slopeAbove == 0 { low = next }
    }
    let bias = min(max(b, low), high)
    let chosen = bias.isFinite ? bias : (low.isFinite ? low : high)
    var loss = 0.0
    for i in 0..<m { loss += max(0, 1 - margins[i] - y[i] * chosen) }
    return (chosen, loss)
  }

  /// Passes to go at the rate the log of the gap fell over the last two certificates.
  static func passesLeft(_ history: [(passes: Double, gap: Double)], _ tolerance: Double) -> Double? {
    guard history.count >= 2 else { return nil }
    let (a, b) = (history[history.count - 2], history[history.count - 1])
    guard b.gap < a.gap, b.passes > a.passes, b.gap > tolerance else { return nil }
    let rate = (log(a.gap) - log(b.gap)) / (b.passes - a.passes)
    return (log(b.gap) - log(tolerance)) / rate
  }
}

/// A feasible dual point, the primal point made from it and their gap.
struct Certificate {
  var alpha: [Double]
  var y: [Double]
  var weights: [Double]
  var intercept: Double
  var objectives: SVMObjectives
  var relativeGap: Double { objectives.relativeGap }

  var solution: SVMSolution {
    // scikit-learn's order: class −1's support vectors first, each class by index.
    let negative = alpha.indices.filter { y[$0] < 0 && alpha[$0] > 0 }
    let positive = alpha.indices.filter { y[$0] > 0 && alpha[$0] > 0 }
    return SVMSolution(
      supportIndices: negative + positive, dualCoefficients: (negative + positive).map { y[$0] * alpha[$0] },
      supportCounts: [negative.count, positive.count], intercept: intercept)
  }

  func result(method: String, passes: Double, steps: Int) -> DualCoordinateDescent.Result {
    .init(
      solution: solution, weights: weights, objectives: objectives, passes: passes, method: method, steps: steps)
  }
}

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

/// A small deterministic generator (Steele, Lea & Flood, OOPSLA 2014) for
/// the coordinate order, so that a run repeats exactly.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
