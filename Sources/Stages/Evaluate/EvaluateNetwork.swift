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
    // Labels are read again block by block with the inputs; here they are
    // checked before any work, without holding a split's labels in memory.
    for split in Split.allCases {
      let labels = try truth.labelDataset(split)
      for start in stride(from: 0, to: labels.shape[0], by: 1 << 20) {
        _ = try labels.readLabels(rows: start..<min(start + 1 << 20, labels.shape[0]))
      }
    }

    let provenance = try Provenance(
      program: "ntk-evaluate", inputFiles: [truthPath, networkPath, featuresPath, svmPath])
    let leaked = features.testFeaturesLeakLabels && allowLabelLeak
    let reportTest = !features.featureKind.isLabelDependent || leaked
    if !reportTest {
      log(
        "classifier test error not reported: \(features.featureKind.rawValue) test features are computed from the "
          + "test labels, so the SVM's error on them measures nothing (--allow-label-leak on both the features and "
          + "evaluate stages reports it, marked as leaked)")
    }
    // The classifier on stored rows (always the training rows); on the test
    // inputs from the network when the test rows are not stored.
    let fromRows = Split.allCases.filter { features.sampleCounts[$0] != nil && ($0 == .train || reportTest) }
    let fromNetwork = reportTest && features.testFeatures == .fromNetwork
    let classifier = try classifierErrors(features, svm, truth, splits: fromRows, log: log)

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
        let decision = split == .test && fromNetwork ? NetworkDecision(svm: svm, kind: features.featureKind) : nil
        return (split, try errorsFromNetwork(network, candidates, selection, truth, split, decision, log: log))
      })
    let svmResult = ModelResult(
      model: .classifier, trainError: classifier[.train]!,
      testError: classifier[.test] ?? networkErrors[.test]![.classifier] ?? .nan,
      leaked: leaked)
    let results =
      [svmResult]
      + Model.candidates.map {
        ModelResult(model: $0, trainError: networkErrors[.train]![$0]!, testError: networkErrors[.test]![$0]!)
      }
    let carriedResult = results.first { $0.model == .netSVM }!
    let stepLabel = stepName(label: features.layerLabel, layer: features.layer)
    log(
      "\(stepLabel): classifier \(svmResult.trainError), \(svmResult.testError); "
        + "network with θc \(carriedResult.trainError), \(carriedResult.testError)")
    try EvaluationArtifact.write(
      to: output, provenance: provenance, layer: features.layer, layerLabel: features.layerLabel, results: results,
      carried: candidates[.netSVM]!, classifierSolver: svm.solver, classifierSolvedFrom: svm.solvedFrom)
  }

  /// The SVM's 0-1 error on the stored feature rows of each split in `splits`.
  private func classifierErrors(
    _ features: FeaturesArtifact, _ svm: SVMArtifact, _ truth: TruthArtifact, splits: [Split], log: StageLog
  ) throws -> [Split: Double] {
    var errors: [Split: Double] = [:]
    for split in splits {
      let labels = try truth.labelDataset(split)
      var mistakes = 0
      let progress = Progress(log, "classifier on \(split) features", total: features.sampleCounts[split]!)
      try features.forEachBlock(split) { start, rows in
        let y = try labels.readLabels(rows: start..<(start + rows.sampleCount))
        mistakes += countMistakes(svm.decision(rows), y)
        progress.advance(by: rows.sampleCount)
      }
      progress.finish()
      errors[split] = Double(mistakes) / Double(features.sampleCounts[split]!)
    }
    return errors
  }

  /// The classifier's decisions computed from the network instead of stored rows.
  struct NetworkDecision {
    var svm: SVMArtifact
    var kind: FeatureKind
  }

  /// One pass over a split's inputs, block by block, with labels read alongside:
  /// the 0-1 error of each candidate network and, with `decision`, of the
  /// classifier, whose decision w·g(x) + b = Σ_k δ_k(x)ᵀ θc_k z_k(x) + b comes
  /// from the tangent factors of the student's forward pass (times
  /// y·σ(−y·f(x)) for loss-gradient features), never forming feature rows.
  /// The student is the θ0 candidate; the candidates differ only in the
  /// layers of `selection`, so the layers below it are computed once per
  /// block, and a negated single layer reuses the negated pre-activations of
  /// its counterpart. Memory does not grow with the number of samples.
  private func errorsFromNetwork(
    _ network: ReLUNetwork, _ candidates: [Model: ReLUNetwork], _ selection: Range<Int>, _ truth: TruthArtifact,
    _ split: Split, _ decision: NetworkDecision?, log: StageLog
  ) throws -> [Model: Double] {
    let first = selection.lowerBound
    let count = truth.sampleCounts[split]!
    let labels = try truth.labelDataset(split)
    var mistakes: [Model: Int] = [:]
    let what = "\(candidates.count) candidate networks\(decision == nil ? "" : " and the classifier")"
    let progress = Progress(log, "\(what) on \(split) inputs", total: count)
    let widest = network.layers.map(\.columns).max()!
    let inputs = try truth.inputs(split)
    let rows = min(1024, streamingBlockRows(rowLength: widest))
    // Blocks read in order, their candidates side by side (the counts add up in any order).
    try Parallel.pipeline(
      (count + rows - 1) / rows,
      produce: { b in
        let block = b * rows..<min(b * rows + rows, count)
        return (try inputs.readMatrix(rows: block), try labels.readLabels(rows: block))
      },
      work: { x, y in
        let pass = network.forward(x)
        var outputs: [Model: [Double]] = [.netInit: pass.output]
        var preactivations: [Model: Matrix] = [:]
        for model in Model.candidates where model != .netInit {
          let candidate = candidates[model]!
          let negated = selection.count == 1 ? model.negation.flatMap { preactivations[$0] } : nil
          let preactivation =
            negated.map { -$0 } ?? BLAS.product(pass.inputs[first], candidate.layers[first], transposeB: true)
          preactivations[model] = preactivation
          outputs[model] = candidate.output(fromPreactivation: preactivation, ofLayer: first)
        }
        if let decision {
          let factors = network.tangentFactors(
            of: selection, at: pass, lossGradientLabels: decision.kind == .lossGradient ? y : nil)
          outputs[.classifier] = decision.svm.decision(.factored(factors))
        }
        return (x.rows, outputs.mapValues { countMistakes($0, y) })
      },
      consume: { _, done in
        for (model, n) in done.1 { mistakes[model, default: 0] += n }
        progress.advance(by: done.0)
      })
    progress.finish()
    return mistakes.mapValues { Double($0) / Double(count) }
  }
}

/// Samples whose sign of the decision or output f, sgn(f) (+1 if f > 0 else −1), differs from the label.
private func countMistakes(_ f: [Double], _ labels: [Double]) -> Int {
  precondition(f.count == labels.count)
  return zip(f, labels).reduce(0) { $0 + (sign($1.0) != $1.1 ? 1 : 0) }
}
