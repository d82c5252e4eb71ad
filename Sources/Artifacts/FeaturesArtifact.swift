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
      return
        "g(x, y) = −∂ℓ/∂θ = y·σ(−y·f(x))·∂f(x)/∂θ with ℓ = −y01·log σ(f) − (1−y01)·log(1−σ(f)), y01 = (y+1)/2; "
        + "flattened row-major"
    }
  }

  /// True when a sample's features depend on its label: test features of
  /// such a kind carry the test labels.
  public var isLabelDependent: Bool { self == .lossGradient }
}

/// How a features file stores the rows.
public enum FeatureStorage: String, CaseIterable, Sendable {
  /// The rows themselves: /features/<split>, samples × p.
  case dense
  /// Each block's factors, g = δ ⊗ z: /factors/<split>/<layer>/delta
  /// (samples × out) and /factors/<split>/<layer>/input (samples × in).
  case factored

  /// The automatic choice's default limit: 1 GiB of dense rows.
  public static let automaticLimit = 1 << 30

  /// The automatic choice: factored when the dense rows of every sample
  /// would take more than `limit` bytes (default 1 GiB).
  public static func automatic(samples: Int, blocks: LayerBlocks, limit: Int = automaticLimit) -> FeatureStorage {
    samples * blocks.featureCount * 8 > limit ? .factored : .dense
  }
}

/// Where the classifier's test decisions come from: the test rows are derived
/// data, a function of the network and the test inputs.
public enum TestFeatures: String, CaseIterable, Sendable {
  /// The test rows are in the file (`--test-features`).
  case stored
  /// Not stored: evaluate computes w·g(x) + b = Σ_k δ_k(x)ᵀ θc_k z_k(x) + b from
  /// the network, the SVM and the test inputs, block by block (the default).
  case fromNetwork = "from-network"
  /// Not computed: a label-dependent kind's test features would carry the test labels.
  case withheld

  /// Why, for the file's `test_features_note` attribute.
  public func note(_ kind: FeatureKind) -> String {
    switch self {
    case .stored: return "the test features are stored in this file"
    case .fromNetwork:
      return
        "test features not stored: they are derived data; ntk-evaluate computes the classifier's test decisions "
        + "w·g(x) + b = Σ_k δ_k(x)ᵀ θc_k z_k(x) + b from the network, the SVM and the test inputs "
        + (kind.isLabelDependent ? "(weighted by y·σ(−y·f(x)), from the test labels: leaked) " : "")
        + "(ntk-features --test-features stores them)"
    case .withheld:
      return
        "test features not computed: \(kind.rawValue) features depend on the label, so test features would carry "
        + "the test labels (--allow-label-leak computes them anyway)"
    }
  }
}

/// Tangent features of one layer (or of all) for every sample, with the labels.
///
///     /features/train   m × p        /labels/train   m
///     /features/test    m_test × p   /labels/test    m_test   (only with test_features = stored)
///
/// or, factored, /factors/<split>/<layer>/{delta,input} per block. p = Σ out·in
/// over the blocks (see LayerBlocks); attributes `layer`, `layer_label`,
/// `block_layers`, `block_shapes`, `feature_kind`, `storage`, `label_dependent`,
/// `test_features` (see TestFeatures) and `test_features_note` (why).
/// By default the test rows are not stored: evaluate derives the test
/// decisions from the network. Label-dependent kinds have no test features
/// unless the leak was allowed.
public struct FeaturesArtifact: Artifact {
  public static let kind = "tangent features"
  public let file: HDF5File
  /// The canonical layer name (W1 … WL, u, or all).
  public let layer: String
  /// The name the layer was requested by (e.g. the notebook's W, V, u).
  public let layerLabel: String
  public let blocks: LayerBlocks
  public let featureKind: FeatureKind
  public let storage: FeatureStorage
  /// Rows stored per split (no entry for a split whose rows are not stored).
  public let sampleCounts: [Split: Int]
  public let testFeatures: TestFeatures

  public var featureCount: Int { blocks.featureCount }
  /// True when the test features (stored or derived from the network) are computed from the test labels.
  public var testFeaturesLeakLabels: Bool { featureKind.isLabelDependent && testFeatures != .withheld }

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    layerLabel = try file.string("layer_label")
    blocks = try LayerBlocks.read(from: file)
    featureKind = try Self.parse(FeatureKind.self, file, "feature_kind")
    storage = try Self.parse(FeatureStorage.self, file, "storage")
    var counts: [Split: Int] = [:]
    for split in Split.allCases where file.exists(Self.root(storage, split)) {
      let datasets = try Self.datasets(file, storage, blocks, split)
      let n = datasets[0].shape[0]
      for (dataset, columns) in zip(datasets, Self.columns(storage, blocks)) {
        try dataset.expect(shape: [n, columns], "\(n) samples × \(columns), for \(blocks)")
        try dataset.expectElements(Double.self)
      }
      counts[split] = n
    }
    guard counts[.train] != nil else { throw HDF5Error(file: path, object: Self.root(storage, .train), "missing") }
    sampleCounts = counts
    // Files written before the attribute existed: stored rows, or withheld ones.
    testFeatures =
      file.hasAttribute("test_features")
      ? try Self.parse(TestFeatures.self, file, "test_features") : counts[.test] == nil ? .withheld : .stored
    guard (testFeatures == .stored) == (counts[.test] != nil) else {
      throw HDF5Error(
        file: path, object: Self.root(storage, .test),
        counts[.test] == nil
          ? "missing, although attribute 'test_features' is 'stored'"
          : "present, although attribute 'test_features' is '\(testFeatures.rawValue)'")
    }
    guard testFeatures != .withheld || featureKind.isLabelDependent else {
      throw HDF5Error(
        file: path, object: "/",
        file.hasAttribute("test_features")
          ? "attribute 'test_features' is 'withheld', but \(featureKind.rawValue) features do not depend on "
            + "the label"
          : "attribute 'test_features' is missing (a file without test rows must say where the test decisions "
            + "come from)")
    }
  }

  private static func parse<T: RawRepresentable>(_: T.Type, _ file: HDF5File, _ name: String) throws -> T
  where T.RawValue == String {
    let text = try file.string(name)
    guard let value = T(rawValue: text) else { throw HDF5Error(file: file.path, "unknown \(name) '\(text)'") }
    return value
  }

  private static func root(_ storage: FeatureStorage, _ split: Split) -> String {
    storage == .dense ? "/features/\(split)" : "/factors/\(split)"
  }

  /// Dataset names of a split: the matrix, or delta and input of each block.
  private static func names(_ storage: FeatureStorage, _ blocks: LayerBlocks, _ split: Split) -> [String] {
    storage == .dense
      ? [root(storage, split)]
      : blocks.names.flatMap { ["\(root(storage, split))/\($0)/delta", "\(root(storage, split))/\($0)/input"] }
  }

  private static func columns(_ storage: FeatureStorage, _ blocks: LayerBlocks) -> [Int] {
    storage == .dense ? [blocks.featureCount] : blocks.shapes.flatMap { $0 }
  }

  private static func datasets(
    _ file: HDF5File, _ storage: FeatureStorage, _ blocks: LayerBlocks, _ split: Split
  ) throws -> [HDF5Dataset] {
    try names(storage, blocks, split).map { try file.dataset($0, rank: 2) }
  }

  /// Reads rows `range` of a split (all of them by default).
  public func rows(_ split: Split, _ range: Range<Int>? = nil) throws -> FeatureRows {
    guard let n = sampleCounts[split] else {
      throw HDF5Error(file: file.path, object: Self.root(storage, split), "missing")
    }
    let matrices = try Self.datasets(file, storage, blocks, split).map { try $0.readMatrix(rows: range ?? 0..<n) }
    switch storage {
    case .dense: return .dense(matrices[0])
    case .factored:
      return .factored(
        stride(from: 0, to: matrices.count, by: 2).map { TangentFactors(delta: matrices[$0], input: matrices[$0 + 1]) })
    }
  }

  /// Calls `body` with consecutive blocks of rows of a split.
  public func forEachBlock(_ split: Split, _ body: (Int, FeatureRows) throws -> Void) throws {
    let n = sampleCounts[split] ?? 0
    let step = streamingBlockRows(rowLength: storage == .dense ? featureCount : blocks.shapes.joined().reduce(0, +))
    for start in stride(from: 0, to: n, by: step) {
      try body(start, try rows(split, start..<min(start + step, n)))
    }
  }

  public func labels(_ split: Split) throws -> [Double] {
    try file.readLabels("/labels/\(split)", count: sampleCounts[split])
  }

  /// Writes a features file atomically; `compute(split, emit)` hands over
  /// blocks of rows as (first row, rows) in the file's storage.
  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, blocks: LayerBlocks,
    kind featureKind: FeatureKind, storage: FeatureStorage, testFeatures: TestFeatures, labels: [Split: [Double]],
    compute: (Split, (Int, FeatureRows) throws -> Void) throws -> Void
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description:
          "Finite-width neural-tangent features of layer \(layer) of a student network: one row per sample.")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "feature_kind": .string(featureKind.rawValue),
        "formula": .string(featureKind.formula),
        "storage": .string(storage.rawValue),
        "label_dependent": .integer(featureKind.isLabelDependent ? 1 : 0),
        "test_features": .string(testFeatures.rawValue),
        "test_features_note": .string(testFeatures.note(featureKind)),
      ])
      precondition((labels[.test] != nil) == (testFeatures == .stored), "test rows only when stored")
      try blocks.write(to: file)
      for split in Split.allCases {
        guard let y = labels[split] else { continue }
        let datasets = try zip(names(storage, blocks, split), columns(storage, blocks)).map { name, columns in
          try file.createDataset(name, of: Double.self, shape: [y.count, columns])
        }
        for dataset in datasets {
          let what =
            dataset.name.hasSuffix("/delta")
            ? "δ, the back-propagated factor (samples × out)"
            : dataset.name.hasSuffix("/input")
              ? "z, the layer's input (samples × in); a row's features are δ ⊗ z"
              : "\(featureKind.formula), one \(split) sample per row"
          try file.setAttribute("description", .string(what), on: dataset.name)
        }
        try file.write(y, shape: [y.count], to: "/labels/\(split)")
        try file.setAttribute(
          "description", .string("the \(split) labels (±1), copied from the ground truth"), on: "/labels/\(split)")
        try compute(split) { start, rows in
          switch rows {
          case .dense(let f): try datasets[0].writeRows(f.values, at: start)
          case .factored(let factors):
            for (k, factor) in factors.enumerated() {
              try datasets[2 * k].writeRows(factor.delta.values, at: start)
              try datasets[2 * k + 1].writeRows(factor.input.values, at: start)
            }
          }
        }
      }
    }
  }
}
