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
    if let csvPath { try writeAtomically(csv, to: csvPath) }
    if let markdownPath { try writeAtomically(table, to: markdownPath) }
    return table
  }
}

/// Shortest round-trip decimal, as Python's repr; NaN (not reported) is empty.
func format(_ value: Double) -> String { value.isNaN ? "" : "\(value)" }

/// Writes text under a temporary name and renames it into place.
func writeAtomically(_ text: String, to path: String) throws {
  let url = URL(fileURLWithPath: path)
  let temporary = url.deletingLastPathComponent()
    .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
  try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try text.write(to: temporary, atomically: false, encoding: .utf8)
  guard rename(temporary.path, path) == 0 else {
    unlink(temporary.path)
    throw StageError("\(path): cannot move the finished file into place")
  }
}
