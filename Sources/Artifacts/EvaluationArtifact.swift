import HDF5IO
import NTKMath

/// The errors of one step and the network carried to the next:
///
///     /errors/model         strings   the models (see Model), in table order
///     /errors/train_error   n_models  0-1 error on the training set
///     /errors/test_error    n_models  0-1 error on the test set (NaN where not reported)
///     /network/...          the student with the layer replaced by θc (carried to the next step)
///
/// The attribute `leaked_test_errors` of /errors lists the models whose test
/// error was computed from features that carry the test labels (meaningless).
public struct EvaluationArtifact: Artifact {
  public static let kind = "evaluation"

  public let file: HDF5File
  /// The canonical layer name (W1 … WL, u, or all).
  public let layer: String
  /// The name the step's layer was requested by (e.g. the notebook's W, V, u).
  public let layerLabel: String
  public let results: [ModelResult]

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    layerLabel = try file.string("layer_label")
    let names = try file.readStrings("/errors/model")
    let models = try names.map { name in
      guard let model = Model(rawValue: name) else {
        throw HDF5Error(file: path, object: "/errors/model", "unknown model '\(name)'")
      }
      return model
    }
    let trainErrors = try file.dataset("/errors/train_error", rank: 1).read(Double.self)
    let testErrors = try file.dataset("/errors/test_error", rank: 1).read(Double.self)
    guard case .strings(let leaked) = try file.attribute("leaked_test_errors", of: "/errors") else {
      throw HDF5Error(file: path, object: "/errors", "attribute 'leaked_test_errors' is not a list of strings")
    }
    guard trainErrors.count == models.count, testErrors.count == models.count else {
      throw HDF5Error(
        file: path, object: "/errors",
        "has \(models.count) models but \(trainErrors.count) train and \(testErrors.count) test errors")
    }
    results = models.indices.map {
      ModelResult(
        model: models[$0], trainError: trainErrors[$0], testError: testErrors[$0],
        leaked: leaked.contains(models[$0].rawValue))
    }
  }

  /// The network carried to the next step: the student with the layer set to θc.
  public func carried() throws -> ReLUNetwork { try NetworkSchema.read(from: file) }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, results: [ModelResult],
    carried: ReLUNetwork
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "0-1 errors of the SVM on tangent features of layer \(layer) "
          + "and of the network with that layer replaced by each candidate.")
      try file.setAttributes(["layer": .string(layer), "layer_label": .string(layerLabel)])
      try file.write(results.map(\.model.rawValue), to: "/errors/model")
      try file.setAttribute("description", .string(Model.meaning), on: "/errors/model")
      for (split, errors) in [("train", results.map(\.trainError)), ("test", results.map(\.testError))] {
        try file.write(errors, shape: [errors.count], to: "/errors/\(split)_error")
        try file.setAttribute(
          "description", .string("fraction of \(split) samples misclassified, one per model"),
          on: "/errors/\(split)_error")
      }
      let leaked = results.filter(\.leaked).map(\.model.rawValue)
      try file.setAttribute("leaked_test_errors", .strings(leaked), on: "/errors")
      try NetworkSchema.write(
        carried, to: file, description: "the student with layer \(layer) set to θc, carried to the next step")
    }
  }
}
