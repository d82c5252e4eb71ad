import HDF5IO
import LinearSVM

/// An SVM's dual solution, in scikit-learn's names (decision(x) =
/// Σ dual_coef_i K(x, x_support_i) + intercept, positive means +1):
///
///     /support      n_sv     0-based training-row indices of the support vectors, class −1 first (`support_`)
///     /dual_coef    n_sv     y_i α_i (`dual_coef_`)
///     /intercept    scalar   b (`intercept_`)
///     /n_support    2        support vectors of class −1, +1 (`n_support_`)
enum SVMSchema {
  static func write(_ solution: SVMSolution, to file: HDF5File) throws {
    try file.write(solution.dualCoefficients, shape: [solution.dualCoefficients.count], to: "/dual_coef")
    try file.setAttribute(
      "description", .string("y_i α_i of each support vector (scikit-learn dual_coef_)"), on: "/dual_coef")
    try file.write([solution.intercept], shape: [], to: "/intercept")
    try file.setAttribute("description", .string("b (scikit-learn intercept_)"), on: "/intercept")
    try file.write(solution.supportIndices.map(Int64.init), shape: [solution.supportIndices.count], to: "/support")
    try file.setAttribute(
      "description",
      .string("0-based training-row indices of the support vectors, class −1 first (scikit-learn support_)"),
      on: "/support")
    try file.write(solution.supportCounts.map(Int64.init), shape: [2], to: "/n_support")
    try file.setAttribute(
      "description", .string("number of support vectors of class −1 and +1 (scikit-learn n_support_)"),
      on: "/n_support")
  }
}
