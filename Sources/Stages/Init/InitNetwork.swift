import Artifacts
import LegacyRandom
import NTKMath
import StageSupport

/// Stage 2: the student network at the start of a step.
///
/// The notebook's draw rule: the first step draws every layer (W1 … WL, then
/// u) from its seed; a later step for layer Wk keeps the layers learned before
/// it (from the previous step's carried network) and draws Wk … WL, then u,
/// from its own seed; a later step u draws u only.
///
/// The input dimension d is `inputDimension`, or that of `truthFile` (a
/// ground-truth file, e.g. an imported data set) when given; hidden widths
/// default to d,d.
public struct InitNetwork: Sendable {
  public var inputDimension: Int
  /// Hidden widths; nil: d,d.
  public var widths: [Int]?
  public var seed: UInt32
  public var layer: String
  /// The file holding the network carried from the previous step, if any.
  public var carriedFrom: String?
  /// A ground-truth file whose input dimension is d, if any.
  public var truthFile: String?

  public init(
    inputDimension: Int, widths: [Int]?, seed: UInt32, layer: String, carriedFrom: String?, truthFile: String? = nil
  ) {
    self.inputDimension = inputDimension
    self.widths = widths
    self.seed = seed
    self.layer = layer
    self.carriedFrom = carriedFrom
    self.truthFile = truthFile
  }

  public func run(output: String, log: StageLog) throws {
    let inputDimension = try truthFile.map { try TruthArtifact(path: $0).inputDimension } ?? self.inputDimension
    let widths = self.widths ?? [inputDimension, inputDimension]
    var generator = LegacyGenerator(seed: seed)
    let shapeOnly = ReLUNetwork(layers: generator.drawLayers(inputDimension: inputDimension, widths: widths))
    let selection = try shapeOnly.selection(named: layer, context: "--layer \(layer)")
    let index = selection.lowerBound
    var network: ReLUNetwork
    if let carriedFrom {
      network = try EvaluationArtifact(path: carriedFrom).carried()
      guard network.inputDimension == inputDimension, network.hiddenWidths == widths else {
        throw StageError(
          "\(carriedFrom): the carried network has d = \(network.inputDimension), widths "
            + "\(network.hiddenWidths); this step asks for d = \(inputDimension), widths \(widths)"
        )
      }
      generator = LegacyGenerator(seed: seed)
      let drawn = generator.drawLayers(inputDimension: inputDimension, widths: widths, from: index)
      network.layers.replaceSubrange(index..., with: drawn)
    } else {
      network = shapeOnly
    }
    let drawnNames = network.layerNames[(carriedFrom == nil ? 0 : index)...]
    log("drew \(drawnNames.joined(separator: ", ")) from seed \(seed)")
    let provenance = try Provenance(
      program: "ntk-init", inputFiles: (carriedFrom.map { [$0] } ?? []) + (truthFile.map { [$0] } ?? []))
    try NetworkArtifact.write(
      to: output, provenance: provenance, network: network, layer: network.name(of: selection), seed: seed,
      drawnLayers: Array(drawnNames))
  }
}
