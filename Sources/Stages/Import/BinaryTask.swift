import StageSupport

/// A binary task from any labels: the label values of the positive classes
/// (+1) and of the negative classes (−1); samples of other classes are dropped.
/// Values are compared in canonical form (`LabelledData.canonical`).
public struct BinaryTask: Sendable {
  public var positive: [String]
  public var negative: [String]

  public init(positive: [String], negative: [String]) {
    self.positive = positive.map { LabelledData.canonical($0) }
    self.negative = negative.map { LabelledData.canonical($0) }
  }

  /// The first value named in both sets, if any.
  public var overlap: String? { positive.first { negative.contains($0) } }

  /// The kept samples (indices into `labels`, in file order) and their ±1
  /// labels; refuses a task one of whose sets matches no sample.
  func apply(to labels: [String], file: String) throws -> (rows: [Int], labels: [Double]) {
    var rows: [Int] = []
    var signs: [Double] = []
    for (row, label) in labels.enumerated() {
      if positive.contains(label) {
        rows.append(row)
        signs.append(1)
      } else if negative.contains(label) {
        rows.append(row)
        signs.append(-1)
      }
    }
    for (name, values, sign) in [("positive", positive, 1.0), ("negative", negative, -1.0)]
    where !signs.contains(sign) {
      var found: [String] = []
      for label in labels where !found.contains(label) { found.append(label) }
      let shown = found.prefix(20).joined(separator: ",") + (found.count > 20 ? ",…" : "")
      throw StageError(
        "\(file): labels: no sample has a \(name) label (\(values.joined(separator: ","))); "
          + "the labels found are \(shown)"
      )
    }
    return (rows, signs)
  }
}
