/// The outer loop of coordinate descent (DualCoordinateDescent's method of
/// multipliers): for each value of the multiplier b an inner solve
/// (CoordinateDescentSolve.swift) at a tolerance ε that shrinks fourfold a
/// step, then a certificate (DualityGapCertificate.swift), the working set's
/// attempts to finish exactly from it, and the next b (BiasSearch), until the
/// best certificate's gap is within the tolerance or the passes run out.
extension LinearTimeSolve {
  mutating func coordinateDescent(
    progress: (DualCoordinateDescent.Status) -> Void
  ) throws -> DualCoordinateDescent.Result {
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
    // Newton (SmoothedNewton.swift) tries both holdings at each certificate and keeps any gain: it certifies once
    // per value of its smoothing μ, at most 12 times, so its attempts need no rationing. Coordinate descent
    // certifies after every inner solve, hundreds of times on a hard problem: here a tenfold gain counts as a
    // success, which ends the step's attempts and restarts the holding's count of failures; a smaller gain is
    // left to the following inner solves.
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
      if balance > 0 { lastPositive = InnerSolution(alpha: alpha, balance: balance) }
      if balance < 0 { lastNegative = InnerSolution(alpha: alpha, balance: balance) }
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
        throw SVMError.passLimit(gap: best!.relativeGap, tolerance: tolerance, passes: maxPasses)
      }
      b = search.next(
        bias: b, balance: balance, epsilon: epsilon, multiplierStep: rho * balance,
        primalBias: certificate.solution.intercept)
      epsilon = max(epsilon / 4, 1e-12)
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
}
