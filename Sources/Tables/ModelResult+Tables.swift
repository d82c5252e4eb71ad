import Artifacts

extension ModelResult {
  /// The name in CSV files: the model's, marked `_nystrom` where it is the
  /// (Nyström) approximation and `_leaked` where the test error leaked.
  public var csvName: String { model.rawValue + (approximate ? "_nystrom" : "") + (leaked ? "_leaked" : "") }

  /// The name in Markdown tables: the model's label, marked where it is the
  /// (Nyström) approximation and where the test error leaked.
  public var label: String { model.label + (approximate ? " (Nyström)" : "") + (leaked ? " (leaked)" : "") }

  /// A cell of the run's table, "train error, test error": the test error
  /// marked where it leaked, or "not reported".
  public var cell: String {
    let test = testError.isNaN ? "not reported" : format(testError) + (leaked ? " (leaked)" : "")
    return "\(format(trainError)), \(test)"
  }
}
