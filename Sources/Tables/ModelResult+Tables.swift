import Artifacts

extension ModelResult {
  /// The name in CSV files: the model's, marked `_leaked` where the test error leaked.
  public var csvName: String { model.rawValue + (leaked ? "_leaked" : "") }

  /// The name in Markdown tables: the model's label, marked where the test error leaked.
  public var label: String { model.label + (leaked ? " (leaked)" : "") }

  /// A cell of the run's table, "train error, test error": the test error
  /// marked where it leaked, or "not reported".
  public var cell: String {
    let test = testError.isNaN ? "not reported" : format(testError) + (leaked ? " (leaked)" : "")
    return "\(format(trainError)), \(test)"
  }
}
