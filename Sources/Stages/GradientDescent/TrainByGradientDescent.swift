import Artifacts
import Foundation
import NTKMath
import StageSupport
import Tables

/// A baseline stage: the step's layer(s) of the step's starting network (θ0;
/// every other layer fixed; every layer for `all`) trained by full-batch
/// gradient descent on the mean logistic loss over the training set,
///
///     L(θ) = (1/m) Σ_i log(1 + exp(−y_i f(x_i; θ))),   θ_{t+1} = θ_t − η ∇L(θ_t),   t = 0 … T−1,
///
/// in float64, without momentum, weight decay or minibatches (see
/// LogisticLossEvaluator, in blocks of rows). η = auto is m / λ_max(K0), K0
/// the training-set tangent kernel of the trained layer(s) at θ0: 1/8 of the
/// stability limit of the linearised model under the logistic loss (whose
/// curvature is at most 1/4), so one default works at every width. λ_max is
/// found without forming K0 (m × m): from Gᵀ G (p × p) or by the Lanczos
/// process (TangentKernelEigenvalue, `eigenMethod`), in time and memory linear in m.
///
/// It records the loss, the 0-1 errors and the relative weight change at
/// steps 0, 1, 2, 4, 8, … and T, and at T the kernel distance
/// 1 − ⟨K0, K_T⟩_F / (‖K0‖_F ‖K_T‖_F) between the tangent kernels at θ0 and
/// θ_T (Fort et al. 2020) on the training set, or on its first
/// `kernelDistanceSamples` samples when larger.
public struct TrainByGradientDescent: Sendable {
  public var truthPath: String
  public var networkPath: String
  public var layer: String
  public var steps: Int
  /// η; nil for m / λ_max(K0).
  public var learningRate: Double?
  /// How λ_max(K0) is computed for η = auto.
  public var eigenMethod: TangentEigenMethod

  /// The kernel distance is computed on at most this many training samples.
  public static let kernelDistanceSamples = 2000

  public init(
    truthPath: String, networkPath: String, layer: String, steps: Int, learningRate: Double?,
    eigenMethod: TangentEigenMethod = .auto
  ) {
    self.truthPath = truthPath
    self.networkPath = networkPath
    self.layer = layer
    self.steps = steps
    self.learningRate = learningRate
    self.eigenMethod = eigenMethod
  }

  /// Trains, and writes the artifact to `output` and, where asked, the
  /// trajectory as CSV (step, loss, train_error, test_error,
  /// relative_weight_change) to `trajectoryCSV`, both or neither.
  public func run(output: String, trajectoryCSV: String? = nil, log: StageLog) throws {
    let truth = try TruthArtifact(path: truthPath)
    let student = try NetworkArtifact(path: networkPath)
    try student.requireInputs(of: truth)
    let initial = student.network
    let selection = try initial.selection(named: layer, context: networkPath)
    let name = initial.name(of: selection)
    let stepLabel = stepName(label: layer, layer: name)
    let x = try truth.inputs(.train).readMatrix()
    let y = try truth.labels(.train)
    let testLabels = try truth.labels(.test)
    let provenance = try Provenance(program: "ntk-gradient-descent", inputFiles: [truthPath, networkPath])

    let subset = 0..<min(x.rows, Self.kernelDistanceSamples)
    let eigen =
      try learningRate == nil
      ? largestEigenvalue(initial, selection, x, name: name, stepLabel: stepLabel, log: log) : nil
    let lambdaMax = eigen?.value
    let eta = learningRate ?? Double(x.rows) / lambdaMax!
    log("\(stepLabel): \(steps) steps of gradient descent on \(x.rows) samples, η = \(eta)")

    var network = initial
    var trajectory = TrainedNetworkArtifact.Trajectory()
    let progress = Progress(log, "\(stepLabel): gradient descent", total: steps, unit: "steps")
    let step = LogisticLossEvaluator(network: initial, layers: selection, samples: x.rows)
    for t in 0...steps {
      step.evaluate(network, inputs: x, labels: y)
      guard step.loss.isFinite, step.gradient.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
        throw StageError(
          "\(networkPath): layer \(name): the loss became non-finite at step \(t) of \(steps) (η = \(eta)): "
            + "gradient descent diverged; choose a smaller --rate")
      }
      if t == steps || t & (t - 1) == 0 {
        trajectory.steps.append(t)
        trajectory.loss.append(step.loss)
        trajectory.trainError.append(zeroOneError(predicted: step.outputs.map(sign), labels: y))
        trajectory.testError.append(try Self.testError(network, truth, testLabels))
        trajectory.relativeWeightChange.append(Self.relativeChange(network, initial, selection))
        log("\(stepLabel): gradient step \(t): loss \(step.loss), train error \(trajectory.trainError.last!)")
      }
      if t == steps { break }
      for (k, l) in selection.enumerated() {
        network.layers[l].values.withUnsafeMutableBufferPointer { w in
          step.gradient[k].values.withUnsafeBufferPointer { g in
            for i in w.indices { w[i] -= eta * g[i] }
          }
        }
      }
      progress.advance(by: 1)
    }
    progress.finish()

    let kernelDistance = Self.kernelDistance(
      Self.tangentKernel(initial, selection, x.rows(subset)), Self.tangentKernel(network, selection, x.rows(subset)))
    log(
      "\(stepLabel): trained network \(trajectory.trainError.last!), \(trajectory.testError.last!); "
        + "kernel distance \(kernelDistance)")
    var csv = CSVTable(columns: ["step", "loss", "train_error", "test_error", "relative_weight_change"])
    for k in trajectory.steps.indices {
      csv.append(
        ["\(trajectory.steps[k])"]
          + [trajectory.loss, trajectory.trainError, trajectory.testError, trajectory.relativeWeightChange].map {
            format($0[k])
          })
    }
    try writeTogether([(csv.text, trajectoryCSV)]) {
      try TrainedNetworkArtifact.write(
        to: output, provenance: provenance, layer: name, layerLabel: layer, network: network,
        training: .init(
          steps: steps, learningRate: eta, lambdaMax: lambdaMax, kernelDistance: kernelDistance,
          kernelDistanceSamples: subset.count, lambdaMaxMethod: eigen?.method.rawValue,
          lambdaMaxDetails: eigen.map(Self.details)),
        trajectory: trajectory)
    }
  }

  /// λ_max(K0) at θ0 by `eigenMethod`, refusing Gᵀ G too large to form and a
  /// Lanczos process that did not converge.
  func largestEigenvalue(
    _ initial: ReLUNetwork, _ selection: Range<Int>, _ x: Matrix, name: String, stepLabel: String, log: StageLog
  ) throws -> TangentKernelEigenvalue {
    let p = selection.reduce(0) { $0 + initial.layers[$1].values.count }
    let method = TangentKernelEigenvalue.resolve(eigenMethod, featureCount: p)
    if method == .gram && p > TangentKernelEigenvalue.gramFeatureMaximum {
      throw StageError(
        "\(networkPath): layer \(name): --eigen-method gram: Gᵀ G of \(p) features would take "
          + "\(p * p * 8 >> 30) GiB (at most \(TangentKernelEigenvalue.gramFeatureMaximum) features); "
          + "use lanczos or auto"
      )
    }
    let eigen = TangentKernelEigenvalue.largest(network: initial, layers: selection, inputs: x, method: method)
    if let lanczos = eigen.lanczos, !lanczos.converged {
      throw StageError(
        "\(networkPath): layer \(name): λ_max(K0) did not converge in \(lanczos.iterations) Lanczos iterations "
          + "(residual \(lanczos.residual) of \(lanczos.value)); use --eigen-method gram or a given --rate")
    }
    log(
      "\(stepLabel): λ_max(K0) = \(eigen.value) (\(eigen.method.rawValue): \(Self.details(eigen)), p = \(p), "
        + "m = \(x.rows))")
    return eigen
  }

  /// How λ_max was computed, beside its method, for the artifact and the log.
  static func details(_ eigen: TangentKernelEigenvalue) -> String {
    if let lanczos = eigen.lanczos {
      return "\(lanczos.iterations) iterations on products with G and Gᵀ, residual \(lanczos.residual)"
    }
    return "dsyevr of Gᵀ G (p × p)"
  }

  /// The tangent kernel K = Σ_l (Δ_l Δ_lᵀ) ⊙ (Z_l Z_lᵀ) of the selected layers on the rows of `x`.
  /// K is symmetric: each block of 256 rows computes its entries from its own diagonal on (half the
  /// products of the whole K) and copies them below the diagonal; blocks go to Parallel's workers (at
  /// widths 1000 these products are most of a short run).
  static func tangentKernel(_ network: ReLUNetwork, _ selection: Range<Int>, _ x: Matrix) -> Matrix {
    let pass = network.forward(x)
    let features = FeatureRows.factored(
      Array(network.tangentFactors(from: selection.lowerBound, of: pass).prefix(selection.count)))
    let (m, blockRows) = (x.rows, 256)
    var k = Matrix(rows: m, columns: m)
    k.values.withUnsafeMutableBufferPointer { out in
      let k = out.baseAddress!
      try! Parallel.forEach((m + blockRows - 1) / blockRows) { b, _ in
        let rows = (b * blockRows)..<min(b * blockRows + blockRows, m)
        let block = features.gram(rows: rows, columns: rows.lowerBound..<m)
        for (r, i) in rows.enumerated() {
          for j in i..<m {
            k[i * m + j] = block[r, j - rows.lowerBound]
            k[j * m + i] = block[r, j - rows.lowerBound]
          }
        }
      }
    }
    return k
  }

  /// 1 − ⟨A, B⟩_F / (‖A‖_F ‖B‖_F).
  static func kernelDistance(_ a: Matrix, _ b: Matrix) -> Double {
    var (ab, aa, bb) = (0.0, 0.0, 0.0)
    for i in a.values.indices {
      ab += a.values[i] * b.values[i]
      aa += a.values[i] * a.values[i]
      bb += b.values[i] * b.values[i]
    }
    return 1 - ab / (aa.squareRoot() * bb.squareRoot())
  }

  /// ‖θ − θ0‖_F / ‖θ0‖_F over the selected layers.
  static func relativeChange(_ network: ReLUNetwork, _ initial: ReLUNetwork, _ selection: Range<Int>) -> Double {
    var (change, norm) = (0.0, 0.0)
    for l in selection {
      for (w, w0) in zip(network.layers[l].values, initial.layers[l].values) {
        change += (w - w0) * (w - w0)
        norm += w0 * w0
      }
    }
    return (change / norm).squareRoot()
  }

  /// The network's 0-1 error on the test set, streamed in blocks.
  static func testError(_ network: ReLUNetwork, _ truth: TruthArtifact, _ labels: [Double]) throws -> Double {
    var predicted: [Double] = []
    predicted.reserveCapacity(labels.count)
    let widest = network.layers.map(\.columns).max()!
    try truth.inputs(.test).forEachBlock(rows: streamingBlockRows(rowLength: widest)) { _, block in
      predicted += network.predict(block)
    }
    return zeroOneError(predicted: predicted, labels: labels)
  }
}
