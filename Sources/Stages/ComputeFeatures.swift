import Artifacts
import HDF5IO
import NTKMath

/// Stage 3: the tangent features of one layer for every train and test sample,
/// streamed through memory in blocks of rows.
public struct ComputeFeatures: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var kind: FeatureKind

  public init(truthPath: String, networkPath: String, layer: String, kind: FeatureKind) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.kind = kind
  }

  public func run(output: String, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let network = try NetworkSchema.read(from: HDF5File.open(networkPath))
    guard network.inputDimension == truth.inputDimension else {
      throw StageError("\(networkPath): the network takes inputs of dimension \(network.inputDimension), but \(truthPath) has d = \(truth.inputDimension)")
    }
    guard let index = network.layerIndex(named: layer) else { throw unknownLayer(layer, in: network) }
    let name = network.layerNames[index]
    let labels = Dictionary(uniqueKeysWithValues: try Split.allCases.map { ($0, try truth.labels($0)) })
    let provenance = Provenance(program: "ntk-features", parameters: [
      ("feature_kind", .string(kind.rawValue)),
    ], inputFiles: [truthPath, networkPath])
    try FeaturesArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer, layerShape: network.layers[index].shape,
      kind: kind, labels: labels
    ) { split, emit in
      try truth.inputs(split).forEachBlock { start, x in
        let pass = network.forward(x)
        try emit(start, network.tangentFactors(from: index, of: pass)[0].expanded())
      }
      log("layer \(name): \(split) features, \(labels[split]!.count) × \(network.layers[index].values.count)")
    }
  }
}
