import Artifacts
import StageSupport
import Tables

/// Stage 6: the table of a run — one row per step, one column per model —
/// printed as Markdown and written as CSV (`step,model,train_error,test_error`).
/// The results come from each step's evaluation and from its baselines' files,
/// in the order given; the files of a step are those with its label.
public struct Report: Sendable {
  public var resultPaths: [String]

  public init(resultPaths: [String]) { self.resultPaths = resultPaths }

  /// Returns the Markdown table, and writes it and the CSV atomically where asked.
  public func run(csvPath: String?, markdownPath: String?, log: StageLog) throws -> String {
    var steps: [(layerLabel: String, results: [ModelResult])] = []
    for file in try resultPaths.map(StepResults.init(path:)) {
      if let k = steps.firstIndex(where: { $0.layerLabel == file.layerLabel }) {
        steps[k].results += file.results
      } else {
        steps.append((file.layerLabel, file.results))
      }
    }
    // A column per model that some step reports, in Model's order; an
    // approximation of a model (ntk_infinite by Nyström) is a column of its own, after the exact one.
    let models = Model.allCases.flatMap { model in
      [false, true].filter { approximate in
        steps.contains { $0.results.contains { $0.model == model && $0.approximate == approximate } }
      }.map { (model: model, approximate: $0) }
    }
    let labels = models.map {
      ModelResult(model: $0.model, trainError: .nan, testError: .nan, approximate: $0.approximate).label
    }
    var table = MarkdownTable(headers: ["step"] + labels)
    var csv = CSVTable(columns: ["step", "model", "train_error", "test_error"])
    for step in steps {
      var cells: [String] = []
      for model in models {
        guard
          let result = step.results.first(where: { $0.model == model.model && $0.approximate == model.approximate })
        else {
          cells.append("")
          continue
        }
        cells.append(result.cell)
        csv.append([step.layerLabel, result.csvName, format(result.trainError), format(result.testError)])
      }
      table.append([step.layerLabel] + cells)
    }
    try writeTogether([(csv.text, csvPath), (table.text, markdownPath)])
    let written = [csvPath, markdownPath].compactMap { $0 }
    log(
      "\(steps.count) step\(steps.count == 1 ? "" : "s"), \(models.count) model\(models.count == 1 ? "" : "s")"
        + (written.isEmpty ? "" : " → " + written.joined(separator: ", ")))
    return table.text
  }
}
