import Artifacts
import Foundation
import LegacyRandom
import LinearSVM
import NTKMath
import StageSupport

/// A baseline stage: the SVM on the infinite-width tangent kernel K∞ of the
/// step's layer(s) (InfiniteWidthNTK, on the scale of the finite features:
/// n_{l−1}·Θ_{W_l}, n_L·Θ_u, their sum for `all`), trained on the training set
/// with the same C and conventions as the finite features' SVM, and its train
/// and test 0-1 errors.
///
/// Only the step network's architecture (d, widths) and the step's layer
/// enter: K∞ is the kernel at random initialisation of infinitely wide
/// layers, whatever the layers learned in earlier steps.
///
/// Two paths, following `solver` (SolverChoice):
/// - **exact** (`libsvm`; `auto` where libsvm's copy of K∞, 16 bytes × m², fits
///   `kernelMemory`): libsvm on K∞ of the training set. Test decisions
///   Σ_i c_i K∞(x, x_i) + b stream the test inputs in blocks against the
///   support vectors: the m_test × m cross kernel is never formed. `libsvm`
///   refuses above the limit.
/// - **Nyström** (`linear`; `auto` above the limit): k = `landmarks` landmark
///   training samples L, the first k of numpy's
///   `RandomState(landmarkSeed).permutation(m)`, sorted ascending; the
///   features Φ = K∞(X, L)·K∞(L, L)^{−1/2} (NystromApproximation: m × k, dense,
///   in blocks of rows; the pseudo-inverse square root drops eigenvalues
///   ≤ 10⁻¹²·λ_max) and DualCoordinateDescent on Φ with the run's C and labels:
///   time and memory linear in m (Φ is m·k·8 bytes). Decisions
///   f(x) = K∞(x, L)·v + b, v = K∞(L, L)^{−1/2} w: test inputs streamed in
///   blocks (never an m_test × k matrix), training inputs as Φ·w + b from the Φ
///   in memory (the same f). k > m is refused.
public struct InfiniteKernelBaseline: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var parameters: SVMParameters
  /// libsvm's copy of K∞ (16 bytes an entry) must fit in this many bytes.
  public var kernelMemory: Int
  public var solver: SolverChoice
  public var linearParameters: DualCoordinateDescent.Parameters
  /// k, the Nyström landmarks.
  public var landmarks: Int
  /// The seed of the landmarks' draw (numpy's RandomState).
  public var landmarkSeed: UInt32

  /// 500 landmarks: see the README's measurement at m = 20,000 (within a few
  /// tenths of a percent of the exact test error) and Φ's memory, 4 GB at m = 10⁶.
  public static let defaultLandmarks = 500

  public init(
    truthPath: String, networkPath: String, layer: String, parameters: SVMParameters, kernelMemory: Int,
    solver: SolverChoice = .auto, linearParameters: DualCoordinateDescent.Parameters? = nil,
    landmarks: Int = defaultLandmarks, landmarkSeed: UInt32 = 0
  ) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.parameters = parameters
    self.kernelMemory = kernelMemory
    self.solver = solver
    self.linearParameters = linearParameters ?? .init(C: parameters.C)
    self.landmarks = landmarks
    self.landmarkSeed = landmarkSeed
  }

  /// K∞ is kept in the artifact up to this many bytes (8 an entry), as the finite kernel is; so is Φ.
  public static let storedKernelLimit = 256 << 20

  public func run(output: String, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    try student.requireInputs(of: truth)
    let network = student.network
    let selection = try network.selection(named: layer, context: networkPath)
    let ntk = InfiniteWidthNTK(architectureOf: network)
    let m = truth.sampleCounts[.train]!
    if !solver.usesLibSVM(samples: m, kernelMemory: kernelMemory) {
      try runNystrom(
        output: output, log: log, truth: truth, network: network, selection: selection, ntk: ntk, samples: m)
      return
    }
    guard m.multipliedReportingOverflow(by: m * 16).partialValue <= kernelMemory, m <= 1 << 20 else {
      throw StageError(
        "\(truthPath): libsvm's copy of K∞ for \(m) training samples needs "
          + "\(Int(Double(m) * Double(m) * 16 / Double(1 << 20))) MiB, more than --kernel-memory-gib allows")
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
    var solvedFrom = "the exact K∞ of the training set, precomputed, with libsvm"
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
        solvedFrom += ", computed in blocks of rows (above \(Self.storedKernelLimit >> 20) MiB: not stored)"
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
      solution: solution, kernel: kernel, parameters: parameters, solvedFrom: solvedFrom,
      result: ModelResult(model: .ntkInfinite, trainError: errors[.train]!, testError: errors[.test]!))
  }

  /// The Nyström path (see the type's description).
  func runNystrom(
    output: String, log: StageLog, truth: TruthArtifact, network: ReLUNetwork, selection: Range<Int>,
    ntk: InfiniteWidthNTK, samples m: Int
  ) throws {
    let k = landmarks
    guard k <= m else { throw StageError("\(truthPath): --landmarks \(k) exceeds the \(m) training samples") }
    let y = try truth.labels(.train)
    do {  // before any work: the parameters and the labels (training checks them again)
      try LinearSVM.validate(labels: y, parameters: SVMParameters(C: linearParameters.C))
    } catch SVMError.invalidLabels(let why) {
      throw StageError("\(truthPath): /labels/train: \(why)")
    } catch let error as SVMError {
      throw StageError("\(truthPath): \(error)")
    }
    let x = try truth.inputs(.train).readMatrix()
    let provenance = try Provenance(program: "ntk-infinite-kernel", inputFiles: [truthPath, networkPath])
    let name = network.name(of: selection)
    let label = "layer \(name)"
    log(
      "\(label): Nyström approximation of K∞ from \(k) landmarks of \(m) training samples (seed \(landmarkSeed)), "
        + "d = \(network.inputDimension), widths \(network.hiddenWidths); Φ takes \((m * k * 8) >> 20) MiB")

    let started = Date()
    let indices = Self.landmarkIndices(samples: m, count: k, seed: landmarkSeed)
    let landmarkInputs = x.rows(at: indices)
    let landmarkKernel = ntk.kernel(of: landmarkInputs, layers: selection)
    let approximation = NystromApproximation(landmarkKernel: landmarkKernel)
    guard approximation.rank > 0 else {
      throw StageError("\(truthPath): K∞ of the \(k) landmarks is zero (every landmark input is zero)")
    }
    log(
      "\(label): K∞(L, L)^(−1/2) of rank \(approximation.rank) of \(k) (eigenvalues "
        + String(format: "%.3g … %.3g", approximation.eigenvalues.first!, approximation.eigenvalues.last!) + ")")
    let progress = Progress(log, "\(label): Nyström features", total: m, unit: "rows")
    let phi = approximation.features(
      samples: m, blockRows: streamingBlockRows(rowLength: max(k, network.inputDimension)),
      crossKernel: { rows in
        ntk.crossKernel(
          rows: rows, of: x, landmarks: indices, landmarkInputs: landmarkInputs, landmarkKernel: landmarkKernel,
          layers: selection)
      }, afterBlock: progress.advance(by:))
    progress.finish()
    let featureSeconds = Date().timeIntervalSince(started)

    let result: DualCoordinateDescent.Result
    do {
      result = try DualCoordinateDescent.solve(
        rows: .dense(phi), labels: y, parameters: linearParameters, log: log, label: label)
    } catch SVMError.invalidLabels(let why) {
      throw StageError("\(truthPath): /labels/train: \(why)")
    } catch let error as SVMError {
      throw StageError("\(truthPath): \(error)")
    }
    var training = SVMArtifact.Training.linear(result, parameters: linearParameters, storage: "Nyström")
    training.solvedFrom =
      "the Nyström features Φ = K∞(X, L)·K∞(L, L)^(−1/2) of the training set (m × k, dense), by the linear solver "
      + "(time linear in m)"
    training.seconds = Date().timeIntervalSince(started)
    let v = approximation.landmarkWeights(result.weights)
    let b = result.solution.intercept
    log(
      "\(label): Φ in \(String(format: "%.2f", featureSeconds)) s; \(result.solution.supportIndices.count) "
        + "support vectors of \(m) samples in \(String(format: "%.2f", training.seconds)) s")

    var errors: [Split: Double] = [:]
    errors[.train] = zeroOneError(predicted: BLAS.product(phi, vector: result.weights, adding: b).map(sign), labels: y)
    let labels = try truth.labels(.test)
    var predicted: [Double] = []
    predicted.reserveCapacity(labels.count)
    let testProgress = Progress(log, "\(label): test decisions", total: labels.count)
    try truth.inputs(.test).forEachBlock(rows: streamingBlockRows(rowLength: max(k, network.inputDimension))) {
      _, block in
      predicted += BLAS.product(ntk.kernel(block, landmarkInputs, layers: selection), vector: v, adding: b).map(sign)
      testProgress.advance(by: block.rows)
    }
    testProgress.finish()
    errors[.test] = zeroOneError(predicted: predicted, labels: labels)
    log("\(label): SVM on the Nyström features of K∞ \(errors[.train]!), \(errors[.test]!)")
    try InfiniteKernelArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer,
      formula: Self.formula(name, fanIns: ntk.fanIns, selection: selection, layerNames: network.layerNames),
      nystrom: .init(
        landmarks: indices, seed: Int(landmarkSeed), draw: Self.landmarkDraw, approximation: approximation,
        weights: result.weights, landmarkWeights: v, features: m * k * 8 <= Self.storedKernelLimit ? phi : nil,
        training: training),
      result: ModelResult(
        model: .ntkInfinite, trainError: errors[.train]!, testError: errors[.test]!, approximate: true))
  }

  static let landmarkDraw =
    "the first k of numpy's RandomState(landmark_seed).permutation(m) over the m training samples, sorted ascending"

  /// The landmarks: the first k of numpy's `RandomState(seed).permutation(m)`, sorted ascending.
  public static func landmarkIndices(samples m: Int, count k: Int, seed: UInt32) -> [Int] {
    var generator = LegacyGenerator(seed: seed)
    return generator.permutation(m).prefix(k).sorted()
  }

  /// K∞ of the selection, spelled with its fan-ins, for the artifact.
  static func formula(_ name: String, fanIns: [Int], selection: Range<Int>, layerNames: [String]) -> String {
    let terms = selection.map { "\(fanIns[$0])·Θ_\(layerNames[$0])" }.joined(separator: " + ")
    return "K∞ = \(terms): the arc-cosine recursion Σ¹ = x·x′/d, Σˡ⁺¹ = q/(2π)(sin θ + (π − θ) cos θ), "
      + "Σ̇ˡ = (π − θ)/(2π); Θ_{W_l} = Σˡ Π_{k≥l} Σ̇ᵏ, Θ_u = Σᴸ⁺¹ (layer \(name))"
  }
}
