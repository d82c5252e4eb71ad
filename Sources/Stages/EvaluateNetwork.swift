import Artifacts
import HDF5IO
import NTKMath

/// Stage 5: the SVM's own 0-1 errors, and the network's with the layer set to
/// each candidate θ0, θc, −θc, θ0⊙θc, −θ0⊙θc (θc: the SVM's weights in the
/// layer's shape). The network with θc is carried to the next step.
public struct EvaluateNetwork: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var featuresPath: String
  public var svmPath: String
  /// Report the classifier's test error on label-dependent test features.
  public var allowLabelLeak: Bool

  public init(truthPath: String, networkPath: String, featuresPath: String, svmPath: String, allowLabelLeak: Bool = false) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.featuresPath = featuresPath
    self.svmPath = svmPath
    self.allowLabelLeak = allowLabelLeak
  }

  public func run(output: String, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let networkFile = try HDF5File.open(networkPath)
    let network = try NetworkSchema.read(from: networkFile)
    let features = try FeaturesArtifact(path: featuresPath)
    let svm = try SVMArtifact(path: svmPath)
    try features.file.requireMade(from: truth.file)
    try features.file.requireMade(from: networkFile)
    try svm.file.requireMade(from: features.file)
    guard svm.layer == features.layer, svm.blocks == features.blocks else {
      throw StageError("\(svmPath) was trained on \(svm.blocks), but \(featuresPath) holds \(features.blocks)")
    }
    guard let selection = network.layers(named: features.layer), LayerBlocks(network, selection) == features.blocks,
      network.inputDimension == truth.inputDimension
    else {
      throw StageError("\(networkPath): its layers \(LayerBlocks(network, network.layers.indices)) on d = \(network.inputDimension) do not fit \(features.blocks) of \(featuresPath) or d = \(truth.inputDimension) of \(truthPath)")
    }
    for split in Split.allCases where features.sampleCounts[split].map({ $0 != truth.sampleCounts[split] }) ?? false {
      throw StageError("\(featuresPath) has \(features.sampleCounts[split]!) \(split) samples, \(truthPath) has \(truth.sampleCounts[split]!)")
    }

    let labels = Dictionary(uniqueKeysWithValues: try Split.allCases.map { ($0, try truth.labels($0)) })
    let provenance = try Provenance(program: "ntk-evaluate", inputFiles: [truthPath, networkPath, featuresPath, svmPath])
    let leaked = features.testFeaturesLeakLabels && allowLabelLeak
    if features.featureKind.isLabelDependent && !leaked {
      log("classifier test error not reported: \(features.featureKind.rawValue) test features are computed from the test labels, so the SVM's error on them measures nothing (--allow-label-leak on both the features and evaluate stages reports it, marked as leaked)")
    }
    let reported = Split.allCases.filter {
      features.sampleCounts[$0] != nil && ($0 == .train || !features.featureKind.isLabelDependent || leaked)
    }
    let classifier = try classifierErrors(features, svm, labels, splits: reported, log: log)

    // Each candidate applies blockwise: layer k of the selection gets its block.
    let learned = features.blocks.split(svm.weights)
    let candidates: [(Matrix, Matrix) -> Matrix] = [{ t0, _ in t0 }, { _, tc in tc }, { _, tc in -tc }, { $0 * $1 }, { -($0 * $1) }]
    let networks = candidates.map { candidate -> ReLUNetwork in
      var n = network
      for (k, l) in selection.enumerated() { n.layers[l] = candidate(network.layers[l], learned[k]) }
      return n
    }
    // −θc and −θ0⊙θc of a single layer: their pre-activations are exactly the
    // negated ones of θc and θ0⊙θc, so they need no product of their own.
    let negationOf: [Int: Int] = selection.count == 1 ? [2: 1, 4: 3] : [:]
    let networkErrors = try Dictionary(uniqueKeysWithValues: Split.allCases.map { split in
      (split, try candidateErrors(networks, negationOf, from: selection.lowerBound, truth, split, labels[split]!, log: log))
    })
    let trainErrors = [classifier[.train]!] + networkErrors[.train]!
    let testErrors = [classifier[.test] ?? .nan] + networkErrors[.test]!
    log("layer \(features.layer): classifier \(trainErrors[0]), \(testErrors[0]); network with θc \(trainErrors[2]), \(testErrors[2])")
    try EvaluationArtifact.write(
      to: output, provenance: provenance, layer: features.layer, layerLabel: features.layerLabel,
      trainErrors: trainErrors, testErrors: testErrors, leakedTestErrors: leaked ? ["classifier"] : [],
      carried: networks[1])
  }

  /// The SVM's 0-1 error on the feature rows of each split in `splits`.
  private func classifierErrors(
    _ features: FeaturesArtifact, _ svm: SVMArtifact, _ labels: [Split: [Double]], splits: [Split], log: StageLog
  ) throws -> [Split: Double] {
    var errors: [Split: Double] = [:]
    for split in splits {
      var predicted: [Double] = []
      let progress = Progress(log, "classifier on \(split) features", total: features.sampleCounts[split]!)
      try features.forEachBlock(split) { _, rows in
        predicted += svm.decision(rows).map(sign)
        progress.advance(by: rows.sampleCount)
      }
      progress.finish()
      errors[split] = zeroOneError(predicted: predicted, labels: labels[split]!)
    }
    return errors
  }

  /// The 0-1 error of each candidate network on a split; the candidates differ
  /// from layer `first` on, so the layers below it are computed once per block.
  private func candidateErrors(
    _ networks: [ReLUNetwork], _ negationOf: [Int: Int], from first: Int, _ truth: TruthArtifact, _ split: Split,
    _ labels: [Double], log: StageLog
  ) throws -> [Double] {
    var predicted = [[Double]](repeating: [], count: networks.count)
    let progress = Progress(log, "\(networks.count) candidate networks on \(split) inputs", total: labels.count)
    let widest = networks[0].layers.map(\.columns).max()!
    try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: widest)) { _, x in
      let shared = networks[0].input(ofLayer: first, for: x)
      var preactivations: [Int: Matrix] = [:]
      for (k, candidate) in networks.enumerated() {
        let a = negationOf[k].map { -preactivations[$0]! } ?? BLAS.product(shared, candidate.layers[first], transposeB: true)
        preactivations[k] = a
        predicted[k] += candidate.output(fromPreactivation: a, ofLayer: first).map(sign)
      }
      progress.advance(by: x.rows)
    }
    progress.finish()
    return predicted.map { zeroOneError(predicted: $0, labels: labels) }
  }
}
