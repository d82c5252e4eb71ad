import HDF5IO
import NTKMath

/// What a features file's rows are.
public enum FeatureKind: String, CaseIterable, Sendable {
  /// g(x) = ∂f(x)/∂θ.
  case outputGradient = "output-gradient"
  /// g(x, y) = −∂ℓ/∂θ = y·σ(−y·f(x))·∂f/∂θ, ℓ the cross-entropy of σ(f) against (y+1)/2.
  case lossGradient = "loss-gradient"

  public var formula: String {
    switch self {
    case .outputGradient:
      return "g(x) = ∂f(x)/∂θ, flattened row-major (index i·n_in + j for θ[i][j])"
    case .lossGradient:
      return "g(x, y) = −∂ℓ/∂θ = y·σ(−y·f(x))·∂f(x)/∂θ with ℓ = −y01·log σ(f) − (1−y01)·log(1−σ(f)), y01 = (y+1)/2; flattened row-major"
    }
  }

  /// True when a sample's features depend on its label: test features of
  /// such a kind carry the test labels.
  public var isLabelDependent: Bool { self == .lossGradient }
}

/// Tangent features of one layer for every sample, with the labels:
///
///     /features/train   m × p        /labels/train   m
///     /features/test    m_test × p   /labels/test    m_test
///
/// p = Σ out·in over the blocks (see LayerBlocks); attributes `layer`,
/// `layer_label`, `block_layers`, `block_shapes`, `feature_kind`, `label_dependent`. Label-dependent kinds
/// have no test features unless computed with the leak explicitly allowed.
public struct FeaturesArtifact {
  public static let kind = "tangent features"
  public let file: HDF5File
  /// The canonical layer name (W1 … WL, u, or all).
  public let layer: String
  /// The name the layer was requested by (e.g. the notebook's W, V, u).
  public let layerLabel: String
  public let blocks: LayerBlocks
  public let featureKind: FeatureKind
  public let sampleCounts: [Split: Int]

  public var featureCount: Int { blocks.featureCount }
  /// True when the test features were computed from the test labels.
  public var testFeaturesLeakLabels: Bool { featureKind.isLabelDependent && sampleCounts[.test] != nil }

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    layerLabel = try file.string("layer_label")
    blocks = try LayerBlocks.read(from: file)
    let kindName = try file.string("feature_kind")
    guard let kind = FeatureKind(rawValue: kindName) else {
      throw HDF5Error(file: path, "unknown feature_kind '\(kindName)'")
    }
    featureKind = kind
    var counts: [Split: Int] = [:]
    for split in Split.allCases where file.exists("/features/\(split)") {
      let features = try file.dataset("/features/\(split)", rank: 2)
      try features.expect(shape: [features.shape[0], blocks.featureCount], "samples × features of \(blocks)")
      counts[split] = features.shape[0]
    }
    guard counts[.train] != nil else { throw HDF5Error(file: path, object: "/features/train", "missing") }
    sampleCounts = counts
  }

  public func features(_ split: Split) throws -> HDF5Dataset {
    guard sampleCounts[split] != nil else {
      throw HDF5Error(file: file.path, object: "/features/\(split)", "missing")
    }
    return try file.dataset("/features/\(split)", rank: 2)
  }

  public func labels(_ split: Split) throws -> [Double] {
    try file.readLabels("/labels/\(split)", count: sampleCounts[split])
  }

  /// Writes a features file atomically; `compute(split, emit)` hands over
  /// blocks of feature rows as (first row, block).
  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, blocks: LayerBlocks,
    kind featureKind: FeatureKind, labels: [Split: [Double]],
    compute: (Split, (Int, Matrix) throws -> Void) throws -> Void
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(to: file, artifact: kind, description:
        "Finite-width neural-tangent features of layer \(layer) of a student network: one row per sample.")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "feature_kind": .string(featureKind.rawValue),
        "formula": .string(featureKind.formula),
        "label_dependent": .integer(featureKind.isLabelDependent ? 1 : 0),
      ])
      try blocks.write(to: file)
      for split in Split.allCases {
        guard let y = labels[split] else { continue }
        let features = try file.createDataset(
          "/features/\(split)", of: Double.self, shape: [y.count, blocks.featureCount])
        try file.setAttribute("description", .string("\(featureKind.formula), one \(split) sample per row"), on: features.name)
        try file.write(y, shape: [y.count], to: "/labels/\(split)")
        try file.setAttribute("description", .string("the \(split) labels (±1), copied from the ground truth"), on: "/labels/\(split)")
        try compute(split) { start, block in try features.writeRows(block.values, at: start) }
      }
    }
  }
}
