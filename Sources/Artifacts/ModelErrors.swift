import HDF5IO

/// The 0-1 errors of models at one step, as a group every results artifact holds:
///
///     /errors/model         strings    the models (see Model), in table order
///     /errors/train_error   n_models   0-1 error on the training set
///     /errors/test_error    n_models   0-1 error on the test set (NaN where not reported)
///     /errors/test_mse      n_models   test mean squared error (f(x) − y)² of a real-valued model
///                                      (krr_infinite), NaN for the others; only in a
///                                      file with such a model
///
/// The attribute `leaked_test_errors` of /errors lists the models whose test
/// error was computed from features that carry the test labels (meaningless);
/// `approximate_models` those that are an approximation of the model named
/// (ntk_infinite by the Nyström method). A file without the latter (written
/// before it existed) has none.
enum ModelErrors {
  static func write(_ results: [ModelResult], to file: HDF5File) throws {
    try file.write(results.map(\.model.rawValue), to: "/errors/model")
    try file.setAttribute("description", .string(Model.meaning), on: "/errors/model")
    for (split, errors) in [("train", results.map(\.trainError)), ("test", results.map(\.testError))] {
      try file.write(errors, shape: [errors.count], to: "/errors/\(split)_error")
      try file.setAttribute(
        "description", .string("fraction of \(split) samples misclassified, one per model"),
        on: "/errors/\(split)_error")
    }
    let mse = results.map(\.testMSE)
    if mse.contains(where: { !$0.isNaN }) {
      try file.write(mse, shape: [mse.count], to: "/errors/test_mse")
      try file.setAttribute(
        "description",
        .string(
          "test mean squared error (f(x) − y)² of the real-valued output f, one per model; NaN where the model "
            + "has none (classifiers)"),
        on: "/errors/test_mse")
    }
    let leaked = results.filter(\.leaked).map(\.model.rawValue)
    try file.setAttribute("leaked_test_errors", .strings(leaked), on: "/errors")
    let approximate = results.filter(\.approximate).map(\.model.rawValue)
    try file.setAttribute("approximate_models", .strings(approximate), on: "/errors")
  }

  static func read(from file: HDF5File) throws -> [ModelResult] {
    let models = try file.readStrings("/errors/model").map { name in
      guard let model = Model(rawValue: name) else {
        throw HDF5Error(file: file.path, object: "/errors/model", "unknown model '\(name)'")
      }
      return model
    }
    let trainErrors = try file.dataset("/errors/train_error", rank: 1).read(Double.self)
    let testErrors = try file.dataset("/errors/test_error", rank: 1).read(Double.self)
    guard case .strings(let leaked) = try file.attribute("leaked_test_errors", of: "/errors") else {
      throw HDF5Error(file: file.path, object: "/errors", "attribute 'leaked_test_errors' is not a list of strings")
    }
    var approximate: [String] = []
    if file.hasAttribute("approximate_models", of: "/errors") {
      guard case .strings(let names) = try file.attribute("approximate_models", of: "/errors") else {
        throw HDF5Error(file: file.path, object: "/errors", "attribute 'approximate_models' is not a list of strings")
      }
      approximate = names
    }
    let mse =
      file.exists("/errors/test_mse")
      ? try file.dataset("/errors/test_mse", rank: 1).read(Double.self)
      : [Double](repeating: .nan, count: models.count)
    guard trainErrors.count == models.count, testErrors.count == models.count, mse.count == models.count else {
      throw HDF5Error(
        file: file.path, object: "/errors",
        "has \(models.count) models but \(trainErrors.count) train and \(testErrors.count) test errors")
    }
    return models.indices.map {
      ModelResult(
        model: models[$0], trainError: trainErrors[$0], testError: testErrors[$0],
        leaked: leaked.contains(models[$0].rawValue), approximate: approximate.contains(models[$0].rawValue),
        testMSE: mse[$0])
    }
  }
}

/// The results of one step from any artifact that holds them (an evaluation,
/// or a baseline's): its step and its models' errors.
public struct StepResults: Artifact {
  /// The kinds of artifact that hold a step's results.
  /// A spectrum file (SpectrumArtifact) holds no errors, only measures: the alignments.
  public static let kinds = [
    EvaluationArtifact.kind, InfiniteKernelArtifact.kind, TrainedNetworkArtifact.kind, SpectrumArtifact.kind,
  ]

  public let file: HDF5File
  /// The name the step's layer was requested by (e.g. the notebook's W, V, u).
  public let layerLabel: String
  public let results: [ModelResult]
  /// Other numbers the step's artifact measured, by name (the trained
  /// baseline's relative weight change and kernel distance; the spectrum's alignments).
  public let measures: [(name: String, value: Double)]

  public init(path: String) throws {
    file = try HDF5File.open(path)
    let kind = file.artifactKind
    guard Self.kinds.contains(kind) else {
      throw HDF5Error(
        file: path, "is not a step's results (its 'artifact' attribute is \(kind); expected one of \(Self.kinds))")
    }
    layerLabel = try file.string("layer_label")
    results = kind == SpectrumArtifact.kind ? [] : try ModelErrors.read(from: file)
    switch kind {
    case TrainedNetworkArtifact.kind: measures = try TrainedNetworkArtifact.measures(of: file)
    case SpectrumArtifact.kind: measures = try SpectrumArtifact.measures(of: file)
    default: measures = []
    }
  }
}
