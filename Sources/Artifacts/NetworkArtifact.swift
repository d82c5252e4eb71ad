import HDF5IO
import NTKMath

/// A student network at the start of a step:
///
///     /network/W1 … /network/WL, /network/u    each outputs × inputs (see NetworkSchema)
///
/// with the root attributes `seed` (of the step's draws), `layer` (the step's
/// layer), `drawn_layers` and `initialization` besides the provenance.
public struct NetworkArtifact: Artifact {
  public static let kind = "network"

  public let file: HDF5File
  public let network: ReLUNetwork
  /// The seed the step drew its layers from.
  public let seed: Int

  /// Opens and checks a network file: the layers chain and are finite.
  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    network = try NetworkSchema.read(from: file)
    seed = try file.integer("seed")
  }

  /// Refuses a network whose input dimension is not the ground truth's d.
  public func requireInputs(of truth: TruthArtifact) throws {
    guard network.inputDimension == truth.inputDimension else {
      throw HDF5Error(
        file: path,
        "the network takes inputs of dimension \(network.inputDimension), "
          + "but \(truth.path) has d = \(truth.inputDimension)"
      )
    }
  }

  /// Writes the student of the step for layer `layer`, drawn from `seed`
  /// except for the layers carried from the previous step.
  public static func write(
    to path: String, provenance: Provenance, network: ReLUNetwork, layer: String, seed: UInt32,
    drawnLayers: [String]
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind, description: "A student ReLU network at the start of the step for layer \(layer).")
      try file.setAttributes([
        "input_dimension": .integer(Int64(network.inputDimension)),
        "hidden_widths": .integers(network.hiddenWidths.map(Int64.init)),
        "seed": .integer(Int64(seed)),
        "layer": .string(layer),
        "drawn_layers": .strings(drawnLayers),
        "initialization": .string("each drawn layer randn(out, in) / sqrt(in), in the order W1 … WL, u"),
      ])
      try NetworkSchema.write(network, to: file, description: "the student network")
    }
  }
}
