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
///
/// Beside the SVM, kernel ridge regression with the same K∞ on the ±1 labels
/// (model krr_infinite; KernelRidgeRegression, λ = `krrRidge`·tr(K∞)/m):
/// exact (a Cholesky solve) where the exact path holds K∞ in memory
/// (m²·8 bytes ≤ `storedKernelLimit`), its test decisions from the same
/// streamed cross-kernel blocks as the SVM's; above that, ridge regression on
/// the Nyström features Φ of the landmarks (the Nyström path's Φ, or Φ
/// computed for it on the exact path with K∞ streamed), marked approximate.
/// Its test MSE (f − y)² is recorded beside the 0-1 errors.
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
  /// r: the ridge of krr_infinite is λ = r·tr(K∞)/m.
  public var krrRidge: Double

  public static let defaultKRRRidge = KernelRidgeRegression.defaultRelativeRidge

  /// 500 landmarks: see the README's measurement at m = 20,000 (within a few
  /// tenths of a percent of the exact test error) and Φ's memory, 4 GB at m = 10⁶.
  public static let defaultLandmarks = 500

  public init(
    truthPath: String, networkPath: String, layer: String, parameters: SVMParameters, kernelMemory: Int,
    solver: SolverChoice = .auto, linearParameters: DualCoordinateDescent.Parameters? = nil,
    landmarks: Int = defaultLandmarks, landmarkSeed: UInt32 = 0, krrRidge: Double = defaultKRRRidge
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
    self.krrRidge = krrRidge
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
    // Kernel ridge regression: exact from the K∞ in memory, else on Nyström features.
    var exactRidge: (alpha: [Double], ridge: Double, trace: Double, fitted: [Double])? = nil
    var nystromRidge: InfiniteKernelArtifact.KernelRidge? = nil
    if let kernel {
      let ridgeStarted = Date()
      let trace = (0..<m).reduce(0.0) { $0 + kernel[$1, $1] }
      let ridge = KernelRidgeRegression.ridge(relative: krrRidge, trace: trace, samples: m)
      let alpha = try solveRidge { try KernelRidgeRegression.coefficients(kernel: kernel, labels: y, ridge: ridge) }
      exactRidge = (alpha, ridge, trace, BLAS.product(kernel, vector: alpha))
      log(
        "layer \(name): kernel ridge regression, λ = \(String(format: "%.4g", ridge)) (K∞ + λI by Cholesky) in "
          + String(format: "%.2f", Date().timeIntervalSince(ridgeStarted)) + " s")
    } else {
      let features = try nystromFeatures(x: x, ntk: ntk, selection: selection, label: "layer \(name)", log: log)
      nystromRidge = try nystromKernelRidge(
        truth: truth, x: x, y: y, features: features, ntk: ntk, selection: selection, label: "layer \(name)",
        log: log)
    }
    var errors: [Split: Double] = [:]
    var ridgeErrors: [Split: Double] = [:]
    var ridgeMSE = Double.nan
    for split in Split.allCases {
      let labels = try truth.labels(split)
      var predicted: [Double] = []
      predicted.reserveCapacity(labels.count)
      var fitted: [Double] = []
      let progress = Progress(log, "layer \(name): \(split) decisions", total: labels.count)
      if split == .test, let exactRidge {
        // One cross-kernel block against every training sample: the SVM takes its support columns.
        try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: m)) { _, block in
          let k = ntk.kernel(block, x, layers: selection)
          fitted += BLAS.product(k, vector: exactRidge.alpha)
          predicted +=
            BLAS.product(k.columns(at: solution.supportIndices), vector: solution.dualCoefficients,
              adding: solution.intercept).map(sign)
          progress.advance(by: block.rows)
        }
      } else {
        // Blocks of rows of the cross kernel of about 8 MiB.
        try truth.inputs(split).forEachBlock(rows: streamingBlockRows(rowLength: support.rows)) { _, block in
          let k = ntk.kernel(block, support, layers: selection)
          predicted += BLAS.product(k, vector: solution.dualCoefficients, adding: solution.intercept).map(sign)
          progress.advance(by: block.rows)
        }
        if split == .train, let exactRidge { fitted = exactRidge.fitted }
      }
      progress.finish()
      errors[split] = zeroOneError(predicted: predicted, labels: labels)
      if exactRidge != nil {
        ridgeErrors[split] = zeroOneError(predicted: fitted.map(sign), labels: labels)
        if split == .test { ridgeMSE = meanSquaredError(fitted, labels) }
      }
    }
    log("layer \(name): SVM on K∞ \(errors[.train]!), \(errors[.test]!)")
    let ridgeRegression =
      nystromRidge
      ?? InfiniteKernelArtifact.KernelRidge(
        relativeRidge: krrRidge, ridge: exactRidge!.ridge, trace: exactRidge!.trace, coefficients: exactRidge!.alpha,
        featureWeights: nil,
        result: ModelResult(
          model: .krrInfinite, trainError: ridgeErrors[.train]!, testError: ridgeErrors[.test]!, testMSE: ridgeMSE))
    log(
      "layer \(name): kernel ridge regression on K∞ \(ridgeRegression.result.trainError), "
        + "\(ridgeRegression.result.testError), test MSE \(ridgeRegression.result.testMSE)")
    try InfiniteKernelArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer,
      formula: Self.formula(name, fanIns: ntk.fanIns, selection: selection, layerNames: network.layerNames),
      solution: solution, kernel: kernel, parameters: parameters, solvedFrom: solvedFrom,
      result: ModelResult(model: .ntkInfinite, trainError: errors[.train]!, testError: errors[.test]!),
      ridgeRegression: ridgeRegression)
  }

  /// Runs a ridge solve, its failure as a stage error naming the file.
  func solveRidge(_ solve: () throws -> [Double]) throws -> [Double] {
    do { return try solve() } catch let error as KernelRidgeError {
      throw StageError("\(truthPath): krr_infinite with --krr-ridge \(krrRidge): \(error)")
    }
  }

  /// The landmarks, K∞(L, L)'s Nyström approximation and the features Φ of the training set.
  struct NystromFeatures {
    var indices: [Int]
    var landmarkInputs: Matrix
    var approximation: NystromApproximation
    var phi: Matrix
  }

  func nystromFeatures(x: Matrix, ntk: InfiniteWidthNTK, selection: Range<Int>, label: String, log: StageLog) throws
    -> NystromFeatures
  {
    let m = x.rows
    let k = landmarks
    guard k <= m else { throw StageError("\(truthPath): --landmarks \(k) exceeds the \(m) training samples") }
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
      samples: m, blockRows: streamingBlockRows(rowLength: max(k, x.columns)),
      crossKernel: { rows in
        ntk.crossKernel(
          rows: rows, of: x, landmarks: indices, landmarkInputs: landmarkInputs, landmarkKernel: landmarkKernel,
          layers: selection)
      }, afterBlock: progress.advance(by:))
    progress.finish()
    return NystromFeatures(indices: indices, landmarkInputs: landmarkInputs, approximation: approximation, phi: phi)
  }

  /// K∞(x, L)·v + b for every test input x (L the landmarks' inputs), streamed in blocks of rows.
  func testDecisions(
    truth: TruthArtifact, landmarkInputs: Matrix, weights v: [Double], bias b: Double = 0, ntk: InfiniteWidthNTK,
    selection: Range<Int>, title: String, log: StageLog
  ) throws -> [Double] {
    let inputs = try truth.inputs(.test)
    var decisions: [Double] = []
    decisions.reserveCapacity(inputs.shape[0])
    let progress = Progress(log, title, total: inputs.shape[0])
    try inputs.forEachBlock(rows: streamingBlockRows(rowLength: max(landmarkInputs.rows, landmarkInputs.columns))) {
      _, block in
      decisions += BLAS.product(ntk.kernel(block, landmarkInputs, layers: selection), vector: v, adding: b)
      progress.advance(by: block.rows)
    }
    progress.finish()
    return decisions
  }

  /// krr_infinite by ridge regression on Φ, with the exact K∞'s trace in λ; its test decisions
  /// streamed against the landmarks.
  func nystromKernelRidge(
    truth: TruthArtifact, x: Matrix, y: [Double], features: NystromFeatures, ntk: InfiniteWidthNTK,
    selection: Range<Int>, label: String, log: StageLog
  ) throws -> InfiniteKernelArtifact.KernelRidge {
    let m = x.rows
    let started = Date()
    let trace = ntk.diagonal(of: x, layers: selection).reduce(0, +)
    let ridge = KernelRidgeRegression.ridge(relative: krrRidge, trace: trace, samples: m)
    let w = try solveRidge { try KernelRidgeRegression.weights(features: features.phi, labels: y, ridge: ridge) }
    let v = features.approximation.landmarkWeights(w)
    log(
      "\(label): kernel ridge regression on the Nyström features (approximate), λ = "
        + String(format: "%.4g", ridge) + ", solved in " + String(format: "%.2f", Date().timeIntervalSince(started))
        + " s")
    let fitted = BLAS.product(features.phi, vector: w)
    let labels = try truth.labels(.test)
    let f = try testDecisions(
      truth: truth, landmarkInputs: features.landmarkInputs, weights: v, ntk: ntk, selection: selection,
      title: "\(label): ridge regression's test decisions", log: log)
    return InfiniteKernelArtifact.KernelRidge(
      relativeRidge: krrRidge, ridge: ridge, trace: trace, coefficients: v, featureWeights: w,
      result: ModelResult(
        model: .krrInfinite, trainError: zeroOneError(predicted: fitted.map(sign), labels: y),
        testError: zeroOneError(predicted: f.map(sign), labels: labels), approximate: true,
        testMSE: meanSquaredError(f, labels)))
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
    let features = try nystromFeatures(x: x, ntk: ntk, selection: selection, label: label, log: log)
    let (indices, approximation, phi) = (features.indices, features.approximation, features.phi)
    let landmarkInputs = features.landmarkInputs
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
    let decisions = try testDecisions(
      truth: truth, landmarkInputs: landmarkInputs, weights: v, bias: b, ntk: ntk, selection: selection,
      title: "\(label): test decisions", log: log)
    errors[.test] = zeroOneError(predicted: decisions.map(sign), labels: try truth.labels(.test))
    log("\(label): SVM on the Nyström features of K∞ \(errors[.train]!), \(errors[.test]!)")
    let ridgeRegression = try nystromKernelRidge(
      truth: truth, x: x, y: y, features: features, ntk: ntk, selection: selection, label: label, log: log)
    log(
      "\(label): kernel ridge regression on the Nyström features \(ridgeRegression.result.trainError), "
        + "\(ridgeRegression.result.testError), test MSE \(ridgeRegression.result.testMSE)")
    try InfiniteKernelArtifact.write(
      to: output, provenance: provenance, layer: name, layerLabel: layer,
      formula: Self.formula(name, fanIns: ntk.fanIns, selection: selection, layerNames: network.layerNames),
      nystrom: .init(
        landmarks: indices, seed: Int(landmarkSeed), draw: Self.landmarkDraw, approximation: approximation,
        weights: result.weights, landmarkWeights: v, features: m * k * 8 <= Self.storedKernelLimit ? phi : nil,
        training: training),
      result: ModelResult(
        model: .ntkInfinite, trainError: errors[.train]!, testError: errors[.test]!, approximate: true),
      ridgeRegression: ridgeRegression)
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
    InfiniteWidthNTK.formula(name, fanIns: fanIns, selection: selection, layerNames: layerNames)
  }
}
