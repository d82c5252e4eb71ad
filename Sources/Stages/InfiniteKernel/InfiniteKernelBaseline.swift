import Artifacts
import Foundation
import LinearSVM
import NTKMath
import StageSupport

/// A baseline stage: the SVM on the infinite-width tangent kernel K∞ of the
/// step's layer(s) (InfiniteWidthNTK, on the scale of the finite features:
/// n_{l−1}·Θ_{W_l}, n_L·Θ_u, their sum for `all`), trained with libsvm on the
/// training set with the same C and conventions as the finite features' SVM,
/// and its train and test 0-1 errors.
///
/// Only the step network's architecture (d, widths) and the step's layer
/// enter: K∞ is the kernel at random initialisation of infinitely wide
/// layers, whatever the layers learned in earlier steps. Test decisions
/// Σ_i c_i K∞(x, x_i) + b stream the test inputs in blocks against the
/// support vectors: the m_test × m cross kernel is never formed.
public struct InfiniteKernelBaseline: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var parameters: SVMParameters
  /// libsvm's copy of K∞ (16 bytes an entry) must fit in this many bytes.
  public var kernelMemory: Int

  public init(truthPath: String, networkPath: String, layer: String, parameters: SVMParameters, kernelMemory: Int) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.parameters = parameters
    self.kernelMemory = kernelMemory
  }

  /// K∞ is kept in the artifact up to this many bytes (8 an entry), as the finite kernel is.
  public static let storedKernelLimit = 256 << 20

  public func run(output: String, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    try student.requireInputs(of: truth)
    let network = student.network
    let selection = try network.selection(named: layer, context: networkPath)
    let ntk = InfiniteWidthNTK(architectureOf: network)
    let m = truth.sampleCounts[.train]!
    guard m.multipliedReportingOverflow(by: m * 16).partialValue <= kernelMemory, m <= 1 << 20 else {
      throw StageError(
        "\(truthPath): libsvm's copy of K∞ for \(m) training samples needs \(m * m * 16 >> 20) MiB, "
          + "more than --kernel-memory-gib allows")
    }
    let y = try truth.labels(.train)
    let x = try truth.inputs(.train).readMatrix()
    let provenance = try Provenance(program: "ntk-infinite-kernel", inputFiles: [truthPath, networkPath])
    let name = network.name(of: selection)
    log("layer \(name): K∞ of \(m) training samples, d = \(network.inputDimension), widths \(network.hiddenWidths)")

    let started = Date()
    var kernel: Matrix? = nil
    let solution: SVMSolution
    var kernelSeconds = 0.0
    do {
      if m * m * 8 <= Self.storedKernelLimit {
        kernel = ntk.kernel(of: x, layers: selection)
        kernelSeconds = Date().timeIntervalSince(started)
        solution = try LinearSVM.train(kernel: kernel!, labels: y, parameters: parameters)
      } else {
        let progress = Progress(log, "layer \(name): K∞ rows", total: m, unit: "rows")
        solution = try LinearSVM.train(
          kernelRows: { rows in
            let blockStarted = Date()
            defer {
              kernelSeconds += Date().timeIntervalSince(blockStarted)
              progress.advance(by: rows.count)
            }
            return ntk.kernel(rows: rows, of: x, layers: selection)
          }, labels: y, parameters: parameters)
        progress.finish()
      }
    } catch SVMError.invalidLabels(let why) {
      throw StageError("\(truthPath): /labels/train: \(why)")
    } catch let error as SVMError {
      throw StageError("\(truthPath): \(error)")
    }
    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
    log("layer \(name): K∞ of \(m) × \(m) in \(String(format: "%.2f", kernelSeconds)) s")
    log("layer \(name): \(solution.supportIndices.count) support vectors of \(m) samples in \(seconds) s")

    let support = x.rows(at: solution.supportIndices)
    var errors: [Split: Double] = [:]
    for split in Split.allCases {
      let labels = try truth.labels(split)
      var predicted: [Double] = []
      predicted.reserveCapacity(labels.count)
      let progress = Progress(log, "layer \(name): \(split) decisions", total: labels.count)
      // Blocks of rows of the cross kernel of about 8 MiB.
      try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: support.rows)) { _, block in
        let k = ntk.kernel(block, support, layers: selection)
        predicted += BLAS.product(k, vector: solution.dualCoefficients, adding: solution.intercept).map(sign)
        progress.advance(by: block.rows)
      }
      progress.finish()
      errors[split] = zeroOneError(predicted: predicted, labels: labels)
    }
    log("layer \(name): SVM on K∞ \(errors[.train]!), \(errors[.test]!)")
    try InfiniteKernelArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer,
      formula: Self.formula(name, fanIns: ntk.fanIns, selection: selection, layerNames: network.layerNames),
      solution: solution, kernel: kernel, parameters: parameters,
      result: ModelResult(model: .ntkInfinite, trainError: errors[.train]!, testError: errors[.test]!))
  }

  /// K∞ of the selection, spelled with its fan-ins, for the artifact.
  static func formula(_ name: String, fanIns: [Int], selection: Range<Int>, layerNames: [String]) -> String {
    let terms = selection.map { "\(fanIns[$0])·Θ_\(layerNames[$0])" }.joined(separator: " + ")
    return "K∞ = \(terms): the arc-cosine recursion Σ¹ = x·x′/d, Σˡ⁺¹ = q/(2π)(sin θ + (π − θ) cos θ), "
      + "Σ̇ˡ = (π − θ)/(2π); Θ_{W_l} = Σˡ Π_{k≥l} Σ̇ᵏ, Θ_u = Σᴸ⁺¹ (layer \(name))"
  }
}
