import Artifacts
import NTKMath
import StageSupport

/// Stage 5: the SVM's own 0-1 errors, and the network's with the layer set to
/// each candidate of `Model` (θ0, θc, −θc, θ0⊙θc, −θ0⊙θc; θc: the SVM's
/// weights in the layer's shape). The network with θc is carried to the next step.
public struct EvaluateNetwork: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var featuresPath: String
  public var svmPath: String
  /// Report the classifier's test error on label-dependent test features.
  public var allowLabelLeak: Bool

  public init(
    truthPath: String, networkPath: String, featuresPath: String, svmPath: String, allowLabelLeak: Bool = false
  ) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.featuresPath = featuresPath
    self.svmPath = svmPath
    self.allowLabelLeak = allowLabelLeak
  }

  public func run(output: String, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    let network = student.network
    let features = try FeaturesArtifact(path: featuresPath)
    let svm = try SVMArtifact(path: svmPath)
    try features.requireMade(from: truth)
    try features.requireMade(from: student)
    try svm.requireMade(from: features)
    guard svm.layer == features.layer, svm.blocks == features.blocks else {
      throw StageError("\(svmPath) was trained on \(svm.blocks), but \(featuresPath) holds \(features.blocks)")
    }
    guard let selection = network.layers(named: features.layer), LayerBlocks(network, selection) == features.blocks,
      network.inputDimension == truth.inputDimension
    else {
      throw StageError(
        "\(networkPath): its layers \(LayerBlocks(network, network.layers.indices)) on d = \(network.inputDimension) "
          + "do not fit \(features.blocks) of \(featuresPath) or d = \(truth.inputDimension) of \(truthPath)")
    }
    for split in Split.allCases {
      if let count = features.sampleCounts[split], count != truth.sampleCounts[split] {
        throw StageError(
          "\(featuresPath) has \(count) \(split) samples, \(truthPath) has \(truth.sampleCounts[split]!)")
      }
    }

    let labels = Dictionary(uniqueKeysWithValues: try Split.allCases.map { ($0, try truth.labels($0)) })
    let provenance = try Provenance(
      program: "ntk-evaluate", inputFiles: [truthPath, networkPath, featuresPath, svmPath])
    let leaked = features.testFeaturesLeakLabels && allowLabelLeak
    if features.featureKind.isLabelDependent && !leaked {
      log(
        "classifier test error not reported: \(features.featureKind.rawValue) test features are computed from the "
          + "test labels, so the SVM's error on them measures nothing (--allow-label-leak on both the features and "
          + "evaluate stages reports it, marked as leaked)")
    }
    let reported = Split.allCases.filter {
      features.sampleCounts[$0] != nil && ($0 == .train || !features.featureKind.isLabelDependent || leaked)
    }
    let classifier = try classifierErrors(features, svm, labels, splits: reported, log: log)

    // Each candidate applies blockwise: layer k of the selection gets its block.
    let learned = features.blocks.split(svm.weights)
    let candidates = Dictionary(
      uniqueKeysWithValues: Model.candidates.map { model -> (Model, ReLUNetwork) in
        var candidate = network
        for (k, l) in selection.enumerated() {
          candidate.layers[l] = model.layer(initial: network.layers[l], learned: learned[k])!
        }
        return (model, candidate)
      })
    let networkErrors = try Dictionary(
      uniqueKeysWithValues: Split.allCases.map { split in
        (split, try candidateErrors(candidates, selection, truth, split, labels[split]!, log: log))
      })
    let svmResult = ModelResult(
      model: .classifier, trainError: classifier[.train]!, testError: classifier[.test] ?? .nan, leaked: leaked)
    let results =
      [svmResult]
      + Model.candidates.map {
        ModelResult(model: $0, trainError: networkErrors[.train]![$0]!, testError: networkErrors[.test]![$0]!)
      }
    let carriedResult = results.first { $0.model == .netSVM }!
    log(
      "layer \(features.layer): classifier \(svmResult.trainError), \(svmResult.testError); "
        + "network with θc \(carriedResult.trainError), \(carriedResult.testError)")
    try EvaluationArtifact.write(
      to: output, provenance: provenance, layer: features.layer, layerLabel: features.layerLabel, results: results,
      carried: candidates[.netSVM]!)
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

  /// The 0-1 error of each candidate network on a split. The candidates
  /// differ only in the layers of `selection`, so the layers below it are
  /// computed once per block, and a negated single layer reuses the negated
  /// pre-activations of its counterpart.
  private func candidateErrors(
    _ candidates: [Model: ReLUNetwork], _ selection: Range<Int>, _ truth: TruthArtifact, _ split: Split,
    _ labels: [Double], log: StageLog
  ) throws -> [Model: Double] {
    let first = selection.lowerBound
    var predicted: [Model: [Double]] = [:]
    let progress = Progress(log, "\(candidates.count) candidate networks on \(split) inputs", total: labels.count)
    let anyCandidate = candidates[.netInit]!
    let widest = anyCandidate.layers.map(\.columns).max()!
    try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: widest)) { _, x in
      let shared = anyCandidate.input(ofLayer: first, for: x)
      var preactivations: [Model: Matrix] = [:]
      for model in Model.candidates {
        let candidate = candidates[model]!
        let negated = selection.count == 1 ? model.negation.flatMap { preactivations[$0] } : nil
        let preactivation = negated.map { -$0 } ?? BLAS.product(shared, candidate.layers[first], transposeB: true)
        preactivations[model] = preactivation
        predicted[model, default: []] += candidate.output(fromPreactivation: preactivation, ofLayer: first).map(sign)
      }
      progress.advance(by: x.rows)
    }
    progress.finish()
    return predicted.mapValues { zeroOneError(predicted: $0, labels: labels) }
  }
}
