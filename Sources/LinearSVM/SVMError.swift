import Foundation

/// Why a C-SVC was not solved: labels or parameters refused before any work,
/// or a linear-time solve that stopped before its certificate.
public enum SVMError: Error, CustomStringConvertible {
  case invalidLabels(String)
  case invalidParameters(String)
  /// The linear-time solver stopped with a relative duality gap above its tolerance.
  case notConverged(String)

  public var description: String {
    switch self {
    case .invalidLabels(let why), .invalidParameters(let why), .notConverged(let why): return why
    }
  }

  /// The pass limit came before the certificate.
  static func passLimit(gap: Double, tolerance: Double, passes: Int) -> SVMError {
    .notConverged(
      "the linear solver stopped at its limit of \(passes) passes with a relative duality gap of "
        + "\(String(format: "%.3g", gap)), above the tolerance \(tolerance): no solution written "
        + "(raise --max-passes or --gap-tolerance)")
  }

  /// Newton's smoothing μ reached the level of rounding before the certificate.
  static func smoothingLimit(gap: Double, tolerance: Double, mu: Double, passes: Double) -> SVMError {
    .notConverged(
      "the linear solver (Newton's method) stopped at its smallest smoothing μ = \(String(format: "%.3g", mu)) "
        + "after \(String(format: "%.1f", passes)) passes with a relative duality gap of "
        + "\(String(format: "%.3g", gap)), above the tolerance \(tolerance): no solution written "
        + "(raise --gap-tolerance)")
  }
}
