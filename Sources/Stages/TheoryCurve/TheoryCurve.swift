import Artifacts
import Foundation
import NTKMath
import StageSupport

/// A stage: the predicted learning curve of kernel ridge regression with the
/// infinite-width tangent kernel K∞ of a layer (model krr_infinite), from K∞'s
/// spectrum on held-out samples (SpectralLearningCurve, TheoryCurveArtifact).
///
/// The N = `samples` held-out samples (default min(4000, m_test)) are the
/// first N test inputs of the ground truth with their labels: the same
/// distribution as the training set, never trained on. Their N × N K∞
/// (InfiniteWidthNTK, on the features' scale as in the infinite-kernel stage)
/// is diagonalised once (LAPACK dsyevr, O(N³): its time at N = 4000 in
/// docs/theory.md); the curve at any m is then O(N) per
/// step of the root finding. Only the network's architecture and the layer
/// enter, as for K∞: a learning curve computes it once per layer and teacher
/// seed, not once per M.
public struct TheoryCurve: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  /// N, the held-out samples; nil: min(`defaultSamples`, m_test), m_test the test samples the truth has.
  public var samples: Int?
  /// r: the ridge of krr_infinite, λ = r·tr(K∞)/m (here r·Σλ_i).
  public var krrRidge: Double

  public static let defaultSamples = 4000

  public init(truthPath: String, networkPath: String, layer: String, samples: Int?, krrRidge: Double) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.samples = samples
    self.krrRidge = krrRidge
  }

  public func run(output: String, log: StageLog) throws {
    let step = try StepNetwork(truthPath: truthPath, networkPath: networkPath, layer: layer)
    let (truth, network, selection, name) = (step.truth, step.network, step.selection, step.name)
    let testSamples = truth.sampleCounts[.test]!
    let samples = self.samples ?? min(Self.defaultSamples, testSamples)
    guard samples <= testSamples else {
      throw StageError(
        "\(truthPath): --samples (THEORY_SAMPLES) \(samples) exceeds the \(testSamples) test samples (M_TEST)")
    }
    guard samples >= 2 else {
      throw StageError("\(truthPath): /inputs/test: has \(testSamples) test sample; the theory needs at least 2")
    }
    let ntk = InfiniteWidthNTK(architectureOf: network)
    let stepLabel = stepName(label: layer, layer: name)
    let provenance = try Provenance(program: "ntk-theory-curve", inputFiles: [truthPath, networkPath])
    let inputs = try truth.inputs(.test)
    let labels = try truth.labelDataset(.test)
    let x = try inputs.readMatrix(rows: 0..<samples)
    let y = try labels.readLabels(rows: 0..<samples)
    // The first N rows alone cannot be checked against the datasets' digests.
    try inputs.verifyRemainingRows()
    try labels.verifyRemainingRows()
    let started = Date()
    let kernel = ntk.kernel(of: x, layers: selection)
    log("\(stepLabel): K∞ of \(samples) test samples in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
    let curve = log.working("\(stepLabel): spectrum of K∞ on \(samples) samples") {
      SpectralLearningCurve(sampleKernel: kernel, labels: y)
    }
    log(
      "\(stepLabel): spectrum in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; λ_1 = "
        + String(format: "%.4g", curve.eigenvalues[0]) + ", Σλ = " + String(format: "%.4g", curve.trace)
        + ", residual power " + String(format: "%.3g", curve.residualPower))
    try TheoryCurveArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer,
      formula: InfiniteWidthNTK.formula(
        name, fanIns: ntk.fanIns, selection: selection, layerNames: network.layerNames),
      teacherSeed: try truth.seed(), hiddenWidths: network.hiddenWidths, samples: samples, relativeRidge: krrRidge,
      curve: curve)
  }
}
