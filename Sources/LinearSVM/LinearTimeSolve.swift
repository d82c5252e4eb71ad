import Foundation
import LegacyRandom
import NTKMath

/// One solve of the C-SVC in time linear in m (DualCoordinateDescent): the
/// problem, the state of dual coordinate descent under the method of
/// multipliers, and the certificates that coordinate descent and Newton's
/// method (SmoothedNewton.swift) share. Its jobs, a file each:
/// MethodOfMultipliers.swift (the outer loop and the working-set policy),
/// CoordinateDescentSolve.swift (the inner solve), DualityGapCertificate.swift
/// (the certificate and the best bias), BiasSearch.swift (the multiplier's root).
struct LinearTimeSolve {
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
  /// Σ y_i α_i, likewise (s in the formulas).
  var balance = 0.0
  /// Coordinates visited; a pass is m of them.
  var visits = 0
  /// The last inner solution with Σ y_i α_i > 0, and the last with Σ y_i α_i < 0.
  var lastPositive: InnerSolution? = nil
  var lastNegative: InnerSolution? = nil
  /// The coordinate order's generator.
  var random = SplitMix64(seed: 0x5eed)

  /// An inner solution's α and its Σ y_i α_i.
  struct InnerSolution {
    var alpha: [Double]
    var balance: Double
  }

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

  /// Passes to go at the rate the log of the gap fell over the last two certificates.
  static func passesLeft(_ history: [(passes: Double, gap: Double)], _ tolerance: Double) -> Double? {
    guard history.count >= 2 else { return nil }
    let (a, b) = (history[history.count - 2], history[history.count - 1])
    guard b.gap < a.gap, b.passes > a.passes, b.gap > tolerance else { return nil }
    let rate = (log(a.gap) - log(b.gap)) / (b.passes - a.passes)
    return (log(b.gap) - log(tolerance)) / rate
  }
}
