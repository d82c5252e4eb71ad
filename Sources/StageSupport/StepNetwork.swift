import Artifacts
import NTKMath

/// A step's ground truth and network, checked to be made for each other, and
/// the layer(s) a name selects in the network (W1 … WL, u, or all).
public struct StepNetwork {
  public let truth: TruthArtifact
  public let network: ReLUNetwork
  public let selection: Range<Int>
  /// The selection's name, as the network names it.
  public var name: String { network.name(of: selection) }

  public init(truthPath: String, networkPath: String, layer: String) throws {
    truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    try student.requireInputs(of: truth)
    network = student.network
    selection = try network.selection(named: layer, context: networkPath)
  }
}
