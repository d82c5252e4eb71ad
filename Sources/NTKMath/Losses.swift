import Foundation

/// The 0-1 error: the fraction of predictions that differ from the labels.
public func zeroOneError(predicted: [Double], labels: [Double]) -> Double {
  precondition(predicted.count == labels.count && !labels.isEmpty)
  let wrong = zip(predicted, labels).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
  return Double(wrong) / Double(labels.count)
}

/// The logistic function σ(t) = 1 / (1 + e^(−t)), evaluated so that it stays
/// finite and accurate for large |t| (e^(−|t|) never overflows).
@inlinable public func logistic(_ t: Double) -> Double {
  if t >= 0 { return 1 / (1 + exp(-t)) }
  let e = exp(t)
  return e / (1 + e)
}

/// −∂ℓ/∂f for the cross-entropy of σ(f) against y01 = (y+1)/2, y ∈ {−1, +1}:
///
///     −∂ℓ/∂f = −(σ(f) − y01) = y·σ(−y·f),
///
/// the weight that turns a sample's ∂f/∂θ into −∂ℓ/∂θ.
@inlinable public func negativeLossDerivative(output f: Double, label y: Double) -> Double {
  y * logistic(-y * f)
}

/// The mean of (f_i − y_i)².
public func meanSquaredError(_ f: [Double], _ y: [Double]) -> Double {
  precondition(f.count == y.count && !y.isEmpty, "\(f.count) values for \(y.count) labels")
  return zip(f, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(y.count)
}
