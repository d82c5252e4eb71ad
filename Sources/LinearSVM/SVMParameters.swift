/// libsvm's parameters of the C-SVC (LibSVM); the linear-time solver takes C from them.
public struct SVMParameters: Sendable, Equatable {
  /// The penalty C of the hinge loss (> 0).
  public var C: Double
  /// libsvm's stopping tolerance on the KKT violation (scikit-learn's `tol`).
  public var tolerance: Double
  /// libsvm's kernel cache in MB (scikit-learn's `cache_size`).
  public var cacheMegabytes: Double

  public init(C: Double = 1, tolerance: Double = 1e-3, cacheMegabytes: Double = 200) {
    self.C = C
    self.tolerance = tolerance
    self.cacheMegabytes = cacheMegabytes
  }
}

extension SVMParameters {
  /// The first of C, the tolerance and the cache size that is not a positive number.
  public var firstInvalid: (name: String, value: Double)? {
    [("C", C), ("tolerance", tolerance), ("cache size", cacheMegabytes)].first { !($0.1 > 0 && $0.1.isFinite) }
  }

  /// Refuses a C, tolerance or cache size that is not a positive number.
  public func validate() throws {
    if let (name, value) = firstInvalid {
      throw SVMError.invalidParameters("\(name) must be a positive number, got \(value)")
    }
  }

  /// Refuses labels other than ±1, a training set of one class, and invalid parameters
  /// (as training would), so that a stage can refuse them before any work.
  public func validate(labels: [Double]) throws {
    try validate()
    if let bad = labels.first(where: { $0 != 1 && $0 != -1 }) {
      throw SVMError.invalidLabels("labels must be −1 or +1, found \(bad)")
    }
    guard labels.contains(1), labels.contains(-1) else {
      throw SVMError.invalidLabels(
        "the training set has one class only (\(labels.first.map { "\($0)" } ?? "no samples"))")
    }
  }
}
