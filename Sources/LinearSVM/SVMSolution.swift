/// The dual solution, in scikit-learn's conventions.
public struct SVMSolution: Sendable, Equatable {
  /// Training-sample indices of the support vectors (0-based), class −1 first (`support_`).
  public var supportIndices: [Int]
  /// y_i α_i for each support vector (`dual_coef_`).
  public var dualCoefficients: [Double]
  /// Support vectors per class, −1 then +1 (`n_support_`).
  public var supportCounts: [Int]
  /// b (`intercept_`).
  public var intercept: Double
}
