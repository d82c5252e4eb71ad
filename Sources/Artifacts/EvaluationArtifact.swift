import HDF5IO
import NTKMath

/// The errors of one step and the network carried to the next:
///
///     /errors/...           the classifier's and the candidate networks' errors (see ModelErrors)
///     /network/...          the student with the layer replaced by θc (carried to the next step)
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
    results = try ModelErrors.read(from: file)
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
      try ModelErrors.write(results, to: file)
      try NetworkSchema.write(
        carried, to: file, description: "the student with layer \(layer) set to θc, carried to the next step")
    }
  }
}
