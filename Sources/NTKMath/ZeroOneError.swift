/// The 0-1 error: the fraction of predictions that differ from the labels.
public func zeroOneError(predicted: [Double], labels: [Double]) -> Double {
  precondition(predicted.count == labels.count && !labels.isEmpty)
  let wrong = zip(predicted, labels).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
  return Double(wrong) / Double(labels.count)
}
