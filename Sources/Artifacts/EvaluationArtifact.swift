import HDF5IO
import NTKMath

/// The errors of one step and the network carried to the next:
///
///     /errors/model         6 strings   classifier, net_init, net_svm, net_neg_svm, net_init_x_svm, net_neg_init_x_svm
///     /errors/train_error   6           0-1 error on the training set
///     /errors/test_error    6           0-1 error on the test set (NaN where not reported)
///
/// The attribute `leaked_test_errors` lists the models whose test error was
/// computed from features that carry the test labels (meaningless).
///     /network/...          the student with the layer replaced by θc (carried to the next step)
public struct EvaluationArtifact {
  public static let kind = "evaluation"
  public static let models = ["classifier", "net_init", "net_svm", "net_neg_svm", "net_init_x_svm", "net_neg_init_x_svm"]

  public let path: String
  public let layerLabel: String
  public let models: [String]
  public let trainErrors: [Double]
  public let testErrors: [Double]
  public let leakedTestErrors: [String]

  public init(path: String) throws {
    self.path = path
    let file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layerLabel = try file.string("layer_label")
    models = try file.readStrings("/errors/model")
    let count = models.count
    trainErrors = try file.dataset("/errors/train_error", rank: 1).read(Double.self)
    testErrors = try file.dataset("/errors/test_error", rank: 1).read(Double.self)
    switch try file.attribute("leaked_test_errors", of: "/errors") {
    case .strings(let models): leakedTestErrors = models
    default: throw HDF5Error(file: path, object: "/errors", "attribute 'leaked_test_errors' is not a list of strings")
    }
    guard trainErrors.count == count, testErrors.count == count else {
      throw HDF5Error(file: path, object: "/errors", "has \(count) models but \(trainErrors.count) train and \(testErrors.count) test errors")
    }
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String,
    trainErrors: [Double], testErrors: [Double], leakedTestErrors: [String], carried: ReLUNetwork
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(to: file, artifact: kind, description:
        "0-1 errors of the SVM on tangent features of layer \(layer) and of the network with that layer replaced by each candidate.")
      try file.setAttributes(["layer": .string(layer), "layer_label": .string(layerLabel)])
      try file.write(models, to: "/errors/model")
      try file.setAttribute("description", .string(
        "classifier: the SVM on the features; net_*: sgn(f(x)) with the layer set to θ0 (init), θc (SVM weights reshaped), −θc, θ0⊙θc, −θ0⊙θc"),
        on: "/errors/model")
      try file.write(trainErrors, shape: [trainErrors.count], to: "/errors/train_error")
      try file.write(testErrors, shape: [testErrors.count], to: "/errors/test_error")
      try file.setAttribute("leaked_test_errors", .strings(leakedTestErrors), on: "/errors")
      for split in ["train", "test"] {
        try file.setAttribute("description", .string("fraction of \(split) samples misclassified, one per model"), on: "/errors/\(split)_error")
      }
      try NetworkSchema.write(carried, to: file, description: "the student with layer \(layer) set to θc, carried to the next step")
    }
  }
}
