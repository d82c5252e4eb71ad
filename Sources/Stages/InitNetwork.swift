import Artifacts
import HDF5IO
import LegacyRandom
import NTKMath

/// Stage 2: the student network at the start of a step.
///
/// The notebook's draw rule: the first step draws every layer (W1 … WL, then
/// u) from its seed; a later step for layer Wk keeps the layers learned before
/// it (from the previous step's carried network) and draws Wk … WL, then u,
/// from its own seed; a later step u draws u only.
public struct InitNetwork: Sendable {
  public var inputDimension: Int
  public var widths: [Int]
  public var seed: UInt32
  public var layer: String
  /// The file holding the network carried from the previous step, if any.
  public var carriedFrom: String?

  public init(inputDimension: Int, widths: [Int], seed: UInt32, layer: String, carriedFrom: String?) {
    self.inputDimension = inputDimension
    self.widths = widths
    self.seed = seed
    self.layer = layer
    self.carriedFrom = carriedFrom
  }

  public func run(output: String, log: StageLog) throws {
    var generator = LegacyGenerator(seed: seed)
    let shapeOnly = ReLUNetwork(layers: generator.drawLayers(inputDimension: inputDimension, widths: widths))
    guard let selection = shapeOnly.layers(named: layer) else {
      throw StageError("--layer \(layer): \(unknownLayer(layer, in: shapeOnly))")
    }
    let index = selection.lowerBound
    var network: ReLUNetwork
    if let carriedFrom {
      network = try NetworkSchema.read(from: HDF5File.open(carriedFrom))
      guard network.inputDimension == inputDimension, network.hiddenWidths == widths else {
        throw StageError("\(carriedFrom): the carried network has d = \(network.inputDimension), widths \(network.hiddenWidths); this step asks for d = \(inputDimension), widths \(widths)")
      }
      generator = LegacyGenerator(seed: seed)
      let drawn = generator.drawLayers(inputDimension: inputDimension, widths: widths, from: index)
      network.layers.replaceSubrange(index..., with: drawn)
    } else {
      network = shapeOnly
    }
    let drawnNames = network.layerNames[(carriedFrom == nil ? 0 : index)...]
    log("drew \(drawnNames.joined(separator: ", ")) from seed \(seed)")
    let provenance = try Provenance(program: "ntk-init", parameters: [
      ("input_dimension", .integer(Int64(inputDimension))),
      ("hidden_widths", .integers(widths.map(Int64.init))),
      ("seed", .integer(Int64(seed))),
      ("layer", .string(network.name(of: selection))),
      ("drawn_layers", .strings(Array(drawnNames))),
      ("initialization", .string("each drawn layer randn(out, in) / sqrt(in), in the order W1 … WL, u")),
    ], inputFiles: carriedFrom.map { [$0] } ?? [])
    try AtomicOutput.write(to: output) { file in
      try provenance.write(to: file, artifact: "network", description: "A student ReLU network at the start of the step for layer \(network.name(of: selection)).")
      try NetworkSchema.write(network, to: file, description: "the student network")
    }
  }
}

/// Why `name` selects no layer of `network`.
func unknownLayer(_ name: String, in network: ReLUNetwork) -> String {
  "unknown layer '\(name)': the network has \(network.layerNames.joined(separator: ", ")) and all (W and V name W1 and W2)"
}
