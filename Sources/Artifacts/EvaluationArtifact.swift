import HDF5IO
import NTKMath

/// The errors of one step and the network carried to the next:
///
///     /errors/...           the classifier's and the candidate networks' errors (see ModelErrors)
///     /network/...          the student with the layer replaced by θc (carried to the next step)
///
/// Attributes `classifier_solver` and `classifier_solved_from`: the SVM's own
/// `solver` and `solved_from` (svm.h5), which solver and training path gave the
/// classifier and θc (libsvm on the precomputed kernel, libsvm's linear kernel
/// on the rows, or the linear-time solver); `classifier_solver_note` says so.
public struct EvaluationArtifact: Artifact {
  public static let kind = "evaluation"

  public let file: HDF5File
  /// The canonical layer name (W1 … WL, u, or all).
  public let layer: String
  /// The name the step's layer was requested by (e.g. the notebook's W, V, u).
  public let layerLabel: String
  public let results: [ModelResult]
  /// The training path of the SVM that gave the classifier and θc (its `solved_from`); nil in a
  /// file written before it was recorded.
  public let classifierSolvedFrom: String?

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    layerLabel = try file.string("layer_label")
    results = try ModelErrors.read(from: file)
    classifierSolvedFrom = Self.classifierSolvedFrom(of: file)
  }

  /// The attribute `classifier_solved_from` of an evaluation file, nil where it is missing.
  public static func classifierSolvedFrom(of file: HDF5File) -> String? {
    file.hasAttribute("classifier_solved_from") ? try? file.string("classifier_solved_from") : nil
  }

  /// What the attributes classifier_solver and classifier_solved_from hold.
  public static let classifierSolverNote =
    "classifier_solver and classifier_solved_from are the attributes solver and solved_from of the SVM "
    + "(svm.h5) that gave the classifier and θc: which solver trained it, and from what (libsvm on the "
    + "precomputed kernel, libsvm's linear kernel on the feature rows, or the linear-time solver on the rows)"

  /// The network carried to the next step: the student with the layer set to θc.
  public func carried() throws -> ReLUNetwork { try NetworkSchema.read(from: file) }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, results: [ModelResult],
    carried: ReLUNetwork, classifierSolver: String? = nil, classifierSolvedFrom: String? = nil
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "0-1 errors of the SVM on tangent features of layer \(layer) "
          + "and of the network with that layer replaced by each candidate.")
      try file.setAttributes(["layer": .string(layer), "layer_label": .string(layerLabel)])
      if classifierSolver != nil || classifierSolvedFrom != nil {
        try file.setAttributes([
          "classifier_solver": .string(classifierSolver ?? "not recorded in the SVM's file"),
          "classifier_solved_from": .string(classifierSolvedFrom ?? "not recorded in the SVM's file"),
          "classifier_solver_note": .string(classifierSolverNote),
        ])
      }
      try ModelErrors.write(results, to: file)
      try NetworkSchema.write(
        carried, to: file, description: "the student with layer \(layer) set to θc, carried to the next step")
    }
  }
}
