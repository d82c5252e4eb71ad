import CPrefetch
import NTKMath

extension LinearTimeSolve {
  /// An inner solve stops after this many passes too, so that certificates (and working-set solves) come
  /// regularly where coordinate descent creeps (nearly hard-margin problems, C‖g‖² in the hundreds).
  static let innerPassLimit = 50

  /// Hsieh et al.'s Algorithm 3 on the augmented dual at the multiplier b:
  /// coordinate descent over the active samples in a random order, shrinking
  /// those at a bound whose gradient points out of the box, until every
  /// projected gradient is within ε. Coordinate i's gradient is
  /// y_i (w·g_i + b + ρ s) − 1 and its curvature ‖g_i‖² + ρ. `afterPass` is told the passes so far.
  mutating func innerSolve(bias b: Double, epsilon: Double, afterPass: (Double) -> Void) throws {
    var active = Array(0..<m)
    var activeCount = m
    var upperOld = Double.infinity
    var lowerOld = -Double.infinity
    let (samples, C, y, squaredNorms, rho, m) = (self.samples, self.C, self.y, self.squaredNorms, self.rho, self.m)
    // The loop below touches only locals, as these copies of the fields above. α and w are swapped out of self
    // (and back by the defer), not copied: `var alpha = self.alpha` would share the storage with self and copy
    // all of it at the first write, where a swap moves it.
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
    let stop = min(maxPasses * m, visits + Self.innerPassLimit * m)
    while visits < stop {
      var upper = -Double.infinity
      var lower = Double.infinity
      for j in stride(from: activeCount - 1, to: 0, by: -1) {
        active.swapAt(j, Int(random.next() % UInt64(j + 1)))
      }
      visits += activeCount
      w.withUnsafeMutableBufferPointer { wp in
        alpha.withUnsafeMutableBufferPointer { alpha in
          let w = wp.baseAddress!
          var position = 0
          while position < activeCount {
            let i = active[position]
            if position + 2 < activeCount {
              let next = active[position + 2]
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
                active.swapAt(position, activeCount)
                continue
              }
              projected = min(g, 0)
            } else if alpha[i] == C {
              if g < lowerOld {
                activeCount -= 1
                active.swapAt(position, activeCount)
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
            position += 1
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
}
