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
  /// labels. Refuses a value named in both sets, and a value that matches no
  /// sample (a typo would otherwise drop its class silently), naming the
  /// labels found; `file` names the labels' file in the message.
  func apply(to labels: [String], file: String) throws -> (rows: [Int], labels: [Double]) {
    if let both = overlap {
      throw StageError(
        "\(file): labels: label \(both) is in both the positive (\(positive.joined(separator: ","))) and the "
          + "negative (\(negative.joined(separator: ","))) labels")
    }
    var rows: [Int] = []
    var signs: [Double] = []
    var found: [String] = []
    var seen: Set<String> = []
    for (row, label) in labels.enumerated() {
      if seen.insert(label).inserted { found.append(label) }
      if positive.contains(label) {
        rows.append(row)
        signs.append(1)
      } else if negative.contains(label) {
        rows.append(row)
        signs.append(-1)
      }
    }
    for (name, values) in [("positive", positive), ("negative", negative)] {
      let missing = values.filter { !seen.contains($0) }
      guard !missing.isEmpty else { continue }
      let shown = found.prefix(20).joined(separator: ",") + (found.count > 20 ? ",…" : "")
      let of = missing.count < values.count ? " (of \(values.joined(separator: ",")))" : ""
      throw StageError(
        "\(file): labels: no sample has the \(name) label\(missing.count > 1 ? "s" : "") "
          + "\(missing.joined(separator: ","))\(of); the labels found are \(shown)")
    }
    return (rows, signs)
  }
}
