import Artifacts
import Foundation

/// Stage 6: the table of a run — one row per step, one column per model —
/// printed as Markdown and written as CSV (`step,model,train_error,test_error`).
public struct Report: Sendable {
  public var evaluationPaths: [String]

  public init(evaluationPaths: [String]) { self.evaluationPaths = evaluationPaths }

  static let headers = ["classifier", "net θ0", "net θc", "net −θc", "net θ0⊙θc", "net −θ0⊙θc"]

  /// Returns the Markdown table, and writes it and the CSV atomically where asked.
  public func run(csvPath: String?, markdownPath: String?) throws -> String {
    let steps = try evaluationPaths.map { try EvaluationArtifact(path: $0) }
    var table = "| step | \(Self.headers.joined(separator: " | ")) |\n|---|\(String(repeating: "---|", count: Self.headers.count))\n"
    var csv = "step,model,train_error,test_error\n"
    for step in steps {
      var cells: [String] = []
      for (k, model) in step.models.enumerated() {
        let leaked = step.leakedTestErrors.contains(model)
        let test = step.testErrors[k].isNaN ? "not reported" : format(step.testErrors[k]) + (leaked ? " (leaked)" : "")
        cells.append("\(format(step.trainErrors[k])), \(test)")
        csv += "\(step.layerLabel),\(model)\(leaked ? "_leaked" : ""),\(format(step.trainErrors[k])),\(format(step.testErrors[k]))\n"
      }
      table += "| \(step.layerLabel) | \(cells.joined(separator: " | ")) |\n"
    }
    try writeTogether([(csv, csvPath), (table, markdownPath)])
    return table
  }
}

/// Shortest round-trip decimal, as Python's repr; NaN (not reported) is empty.
func format(_ value: Double) -> String { value.isNaN ? "" : "\(value)" }

/// Writes texts so that either all land or none: each is written under a
/// temporary name, and the renames happen only once every one is complete.
func writeTogether(_ files: [(text: String, path: String?)]) throws {
  let pending = files.compactMap { file in file.path.map { (file.text, $0) } }
  func write(_ index: Int) throws {
    guard index < pending.count else { return }
    try AtomicOutput.replace(pending[index].1) { temporary in
      try AtomicOutput.writeText(pending[index].0, at: temporary, naming: pending[index].1)
      try write(index + 1)
    }
  }
  try write(0)
}
