import NTKMath

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

/// The certificate of a dual point: a feasible α′ made from it, w(α′), the
/// best bias b̂ for w(α′) and the relative gap (P − D)/P between
/// P(w(α′), b̂) and D(α′) (DualCoordinateDescent's description).
extension LinearTimeSolve {
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
    if let positive = lastPositive, let negative = lastNegative {
      let lambda = -negative.balance / (positive.balance - negative.balance)
      let mixed = (0..<m).map { min(lambda * positive.alpha[$0] + (1 - lambda) * negative.alpha[$0], C) }
      candidates.append(scaled(mixed, balance(of: mixed)))
    }
    return candidates.map { certificate(feasible: $0, bias: bias) }.min { $0.relativeGap < $1.relativeGap }!
  }

  /// α with the α of the class whose Σ α is larger scaled down so that Σ y_i α′_i = 0 (`balance`: Σ y_i α_i).
  func scaled(_ alpha: [Double], _ balance: Double) -> [Double] {
    guard balance != 0 else { return alpha }
    let larger: Double = balance > 0 ? 1 : -1
    var sums = [1.0: 0.0, -1.0: 0.0]
    for i in 0..<m { sums[y[i], default: 0] += alpha[i] }
    // (The balance and the two sums round differently: never scale up.)
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

  /// The b minimising Σ_i max(0, 1 − y_i o_i − y_i b) for margins y_i o_i
  /// (o_i = w·g_i, the output without bias), and that loss. The loss is
  /// convex and piecewise linear in b, with a kink at 1 − o_i for each
  /// positive sample (slope −1 below it) and at −1 − o_i for each negative one
  /// (slope +1 above it): its minimum is where the count of negative kinks
  /// below b overtakes that of positive kinks above b.
  func bestBias(margins: [Double], near b: Double) -> (bias: Double, loss: Double) {
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
}
