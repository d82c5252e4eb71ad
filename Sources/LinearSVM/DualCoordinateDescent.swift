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

  /// Problems of at most this many features take Newton's method (a (p + 1)² Hessian from the zone's rows).
  public static let newtonFeatureLimit = 256

  /// Solves the C-SVC on `rows` (labels ±1); `progress` is called after each pass.
  public static func solve(
    rows: FeatureRows, labels y: [Double], parameters: Parameters, progress: (Status) -> Void = { _ in }
  ) throws -> Result {
    try SVMParameters(C: parameters.C).validate(labels: y)
    guard parameters.tolerance > 0, parameters.tolerance.isFinite else {
      throw SVMError.invalidParameters(
        "the duality-gap tolerance must be a positive number, got \(parameters.tolerance)")
    }
    precondition(rows.sampleCount == y.count)
    return try rows.withSampleAccess { samples in
      var solve = LinearTimeSolve(rows: rows, samples: samples, y: y, parameters: parameters)
      let newton =
        parameters.method == .automatic
        ? samples.featureCount <= newtonFeatureLimit : parameters.method == .newton
      return try newton ? solve.newton(progress: progress) : solve.coordinateDescent(progress: progress)
    }
  }
}
