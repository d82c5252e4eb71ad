/// Subsets of feature rows, and their expansion to a dense matrix.
extension FeatureRows {
  /// The samples `rows` of these rows (factors stay factored).
  public func rows(_ rows: Range<Int>) -> FeatureRows {
    switch self {
    case .dense(let f): return .dense(f.rows(rows))
    case .factored(let factors):
      return .factored(factors.map { TangentFactors(delta: $0.delta.rows(rows), input: $0.input.rows(rows)) })
    }
  }

  /// The samples at `indices`, in that order.
  public func rows(at indices: [Int]) -> FeatureRows {
    switch self {
    case .dense(let f): return .dense(f.rows(at: indices))
    case .factored(let factors):
      return .factored(
        factors.map { TangentFactors(delta: $0.delta.rows(at: indices), input: $0.input.rows(at: indices)) })
    }
  }

  /// The feature rows as a dense matrix (factored blocks expanded side by side).
  public func expanded() -> Matrix {
    switch self {
    case .dense(let f): return f
    case .factored(let factors): return Matrix.concatenatingColumns(factors.map { $0.expanded() })
    }
  }

  /// The feature rows of samples `rows` as a dense matrix (factored blocks expanded).
  public func expandedRows(_ rows: Range<Int>) -> Matrix { self.rows(rows).expanded() }
}
