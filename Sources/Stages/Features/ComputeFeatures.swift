import Artifacts
import NTKMath
import StageSupport

/// Stage 3: the tangent features of one layer for every training sample,
/// streamed through memory in blocks of rows. The test rows are derived data:
/// by default they are not stored, and evaluate computes the classifier's test
/// decisions from the network (TestFeatures.fromNetwork); `storeTestFeatures`
/// stores them too.
public struct ComputeFeatures: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var kind: FeatureKind
  /// Compute label-dependent test features, which carry the test labels.
  public var allowLabelLeak: Bool
  /// Dense rows or factors; nil chooses (FeatureStorage.automatic, factored above `storageLimit`).
  public var storage: FeatureStorage?
  /// The bytes of dense rows above which the automatic choice is factored.
  public var storageLimit: Int
  /// Store the test rows as well (otherwise evaluate derives the test decisions from the network).
  public var storeTestFeatures: Bool

  public init(
    truthPath: String, networkPath: String, layer: String, kind: FeatureKind, allowLabelLeak: Bool = false,
    storage: FeatureStorage? = nil, storageLimit: Int = FeatureStorage.automaticLimit, storeTestFeatures: Bool = false
  ) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.kind = kind
    self.allowLabelLeak = allowLabelLeak
    self.storage = storage
    self.storageLimit = storageLimit
    self.storeTestFeatures = storeTestFeatures
  }

  public func run(output: String, log: StageLog) throws {
    let step = try StepNetwork(truthPath: truthPath, networkPath: networkPath, layer: layer)
    let (truth, network, selection, name) = (step.truth, step.network, step.selection, step.name)
    let stepLabel = stepName(label: layer, layer: name)
    let blocks = LayerBlocks(network, selection)
    let testFeatures: TestFeatures =
      kind.isLabelDependent && !allowLabelLeak ? .withheld : storeTestFeatures ? .stored : .fromNetwork
    let splits = testFeatures == .stored ? Split.allCases : [Split.train]
    let labels = Dictionary(uniqueKeysWithValues: try splits.map { ($0, try truth.labels($0)) })
    if testFeatures != .stored { log(testFeatures.note(kind)) }
    let samples = labels.values.reduce(0) { $0 + $1.count }
    let storage = storage ?? .automatic(samples: samples, blocks: blocks, limit: storageLimit)
    log(
      "\(stepLabel): \(blocks), \(storage.rawValue) storage"
        + (self.storage == nil ? " (automatic: factored above \(storageLimit) bytes of dense rows)" : ""))
    let provenance = try Provenance(
      program: "ntk-features",
      parameters: [
        ("feature_kind", .string(kind.rawValue)),
        ("allow_label_leak", .integer(allowLabelLeak ? 1 : 0)),
        ("store_test_features", .integer(storeTestFeatures ? 1 : 0)),
      ], inputFiles: [truthPath, networkPath])
    try FeaturesArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer, blocks: blocks,
      kind: kind, storage: storage, testFeatures: testFeatures, labels: labels
    ) { split, emit in
      let progress = Progress(log, "\(stepLabel): \(split) features", total: labels[split]!.count)
      // Blocks sized by the widest rows made: feature rows, or the factors.
      let rowLength = storage == .dense ? blocks.featureCount : network.layers.map { $0.rows + $0.columns }.max()!
      try truth.inputs(split).forEachBlock(
        rows: streamingBlockRows(rowLength: rowLength),
        work: { start, x -> FeatureRows in
          let pass = network.forward(x)
          let factors = network.tangentFactors(
            of: selection, at: pass,
            lossGradientLabels: kind == .lossGradient ? Array(labels[split]![start..<(start + x.rows)]) : nil)
          return storage == .factored
            ? .factored(factors) : .dense(Matrix.concatenatingColumns(factors.map { $0.expanded() }))
        },
        consume: { start, rows in
          try emit(start, rows)
          progress.advance(by: rows.sampleCount)
        })
      progress.finish()
    }
  }
}
