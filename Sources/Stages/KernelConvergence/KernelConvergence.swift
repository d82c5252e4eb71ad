import Artifacts
import Foundation
import LegacyRandom
import NTKMath
import StageSupport
import Tables

/// How far the finite-width tangent kernel is from its infinite-width limit as
/// the hidden width n grows.
///
/// For each width n and seed s, a student f(x) = uᵀ relu(W_L … relu(W_1 x)) with
/// hidden widths n,…,n (L = `depth`) is drawn from numpy's legacy generator
/// seeded with s, in numpy's order, as ntk-init draws a first step (W_1 … W_L,
/// u, each `randn(out, in)/√in`; the same seed at every width, so W_1 of width
/// n is the first n rows of W_1 of any larger width). On the first N training
/// inputs X of the truth file, for every layer θ ∈ {W_1 … W_L, u} with fan-in
/// n_{l−1} (n_0 = d, and n_L for u):
///
///     K_n^θ = (Δ_θ Δ_θᵀ) ⊙ (Z_θ Z_θᵀ)     the finite tangent kernel ⟨∂f/∂θ(x_i), ∂f/∂θ(x_j)⟩, from the factors
///     K∞^θ  = n_{l−1} · Θ_θ(X, X)         its infinite-width limit at the same scale (InfiniteWidthNTK)
///     r^θ   = ‖K_n^θ − K∞^θ‖_F / ‖K∞^θ‖_F
///
/// and r for `all` from K_n and K∞ summed over the layers (the full network's
/// kernel). At initialisation the finite kernel fluctuates around its limit
/// by O(1/√n) (its mean differs by O(1/n)), so r should fall as n^{−1/2}: the
/// least-squares slope of log r̄ against log n (r̄ the mean over the seeds)
/// should be about −1/2.
///
/// Writes the artifact (KernelConvergenceArtifact) and, where asked, a CSV
/// (a row per layer and width, for plots/kernel-distance-vs-width.gp) and a
/// Markdown table (a row per width, mean ± std per layer, and the slopes),
/// each atomically.
public struct KernelConvergence: Sendable {
  public var truthPath: String
  /// N: the first N training inputs of the truth file.
  public var samples: Int
  /// L: hidden layers of every student.
  public var depth: Int
  /// The hidden widths n, increasing.
  public var widths: [Int]
  public var seeds: [UInt32]

  public init(truthPath: String, samples: Int, depth: Int, widths: [Int], seeds: [UInt32]) {
    precondition(samples > 0 && depth > 0 && widths.allSatisfy { $0 > 0 } && !seeds.isEmpty)
    self.truthPath = truthPath
    self.samples = samples
    self.depth = depth
    self.widths = widths.sorted()
    self.seeds = seeds
  }

  /// The layers compared, in the artifact's order: W1 … WL, u, all.
  public var layerNames: [String] { ReLUNetwork.layerNames(hiddenLayers: depth) + ["all"] }

  @discardableResult
  public func run(
    output: String, csvPath: String? = nil, markdownPath: String? = nil, log: StageLog
  ) throws
    -> KernelConvergenceArtifact.Contents
  {
    let truth = try TruthArtifact(path: truthPath)
    let available = truth.sampleCounts[.train]!
    guard samples <= available else {
      throw StageError(
        "\(truthPath): /inputs/train has \(available) samples, fewer than the \(samples) asked for (--samples)")
    }
    let x = try truth.inputs(.train).readMatrix(rows: 0..<samples)
    let d = truth.inputDimension
    let limit = Self.limitKernels(inputs: x, depth: depth)
    let (layerCount, seedCount) = (layerNames.count, seeds.count)
    log(
      "d = \(d), N = \(samples) inputs, depth \(depth), widths \(widths.map(String.init).joined(separator: ",")), "
        + "\(seedCount) seeds")

    func weights(_ n: Int) -> Int { d * n + (depth - 1) * n * n + n }
    let progress = Progress(
      log, "students", total: seedCount * widths.reduce(0) { $0 + weights($1) }, unit: "weights")
    var distances = [Double](repeating: .nan, count: widths.count * layerCount * seedCount)
    for (w, n) in widths.enumerated() {
      for (s, seed) in seeds.enumerated() {
        var generator = LegacyGenerator(seed: seed)
        let network = ReLUNetwork(
          layers: generator.drawLayers(inputDimension: d, widths: Array(repeating: n, count: depth)))
        for (l, r) in Self.relativeDistances(of: network, on: x, limitKernels: limit).enumerated() {
          distances[(w * layerCount + l) * seedCount + s] = r
        }
        progress.advance(by: weights(n))
      }
    }
    progress.finish()

    var means: [Double] = [], deviations: [Double] = []
    for w in widths.indices {
      for l in 0..<layerCount {
        let start = (w * layerCount + l) * seedCount
        let (mean, deviation) = Self.meanAndDeviation(distances[start..<(start + seedCount)])
        means.append(mean)
        deviations.append(deviation)
      }
    }
    let slopes = (0..<layerCount).map { l in
      Self.fittedSlope(widths: widths, distances: widths.indices.map { means[$0 * layerCount + l] })
    }
    let contents = KernelConvergenceArtifact.Contents(
      widths: widths, seeds: seeds.map(Int.init), layers: layerNames, distances: distances, means: means,
      deviations: deviations, slopes: slopes, limitKernel: limit)
    let provenance = try Provenance(
      program: "ntk-kernel-convergence",
      parameters: [
        ("input_dimension", .integer(Int64(d))), ("samples", .integer(Int64(samples))),
        ("depth", .integer(Int64(depth))), ("widths", .integers(widths.map(Int64.init))),
        ("seeds", .integers(seeds.map(Int64.init))),
      ], inputFiles: [truthPath])
    try KernelConvergenceArtifact.write(to: output, provenance: provenance, contents: contents)
    try writeTogether([
      (csv(contents, inputDimension: d).text, csvPath), (markdown(contents).text, markdownPath),
    ])
    let slopeText = zip(layerNames, slopes).map { "\($0) \(String(format: "%.3f", $1))" }
    let written = ([output] + [csvPath, markdownPath]).compactMap { $0 }.joined(separator: ", ")
    log("fitted slopes \(slopeText.joined(separator: ", ")) → \(written)")
    return contents
  }

  /// Θ_θ(X, X) for θ = W_1 … W_L, u: the infinite-width tangent kernel of each
  /// single layer without the fan-in (`scaledByFanIn: false`), which depends on
  /// d and L but not on the widths; K∞^θ of a network is n_{l−1}·Θ_θ.
  public static func limitKernels(inputs x: Matrix, depth: Int) -> [Matrix] {
    let kernel = InfiniteWidthNTK(inputDimension: x.columns, hiddenWidths: Array(repeating: 1, count: depth))
    return (0..<kernel.layerCount).map { kernel.kernel(of: x, layers: $0..<($0 + 1), scaledByFanIn: false) }
  }

  /// r^θ = ‖K_n^θ − K∞^θ‖_F / ‖K∞^θ‖_F for θ = W_1 … W_L, u of `network` on the
  /// rows of `x`, then for all layers together (K_n and K∞ each summed over
  /// the layers). `limitKernels` are Θ_θ(X, X) (limitKernels(inputs:depth:)).
  public static func relativeDistances(of network: ReLUNetwork, on x: Matrix, limitKernels: [Matrix]) -> [Double] {
    precondition(limitKernels.count == network.layers.count, "one limit kernel per layer")
    let factors = network.tangentFactors(from: 0, of: network.forward(x))
    let fanIns = network.layers.map { Double($0.columns) }
    var finiteSum = [Double](repeating: 0, count: x.rows * x.rows), limitSum = finiteSum
    var result: [Double] = []
    for l in network.layers.indices {
      let finite = FeatureRows.factored([factors[l]]).gram().values
      var difference = 0.0, norm = 0.0
      for (e, theta) in limitKernels[l].values.enumerated() {
        let limit = fanIns[l] * theta
        difference += (finite[e] - limit) * (finite[e] - limit)
        norm += limit * limit
        finiteSum[e] += finite[e]
        limitSum[e] += limit
      }
      result.append((difference / norm).squareRoot())
    }
    var difference = 0.0, norm = 0.0
    for e in finiteSum.indices {
      difference += (finiteSum[e] - limitSum[e]) * (finiteSum[e] - limitSum[e])
      norm += limitSum[e] * limitSum[e]
    }
    return result + [(difference / norm).squareRoot()]
  }

  /// The slope b of the least-squares line log r = a + b log n.
  public static func fittedSlope(widths: [Int], distances: [Double]) -> Double {
    let xs = widths.map { log(Double($0)) }, ys = distances.map { log($0) }
    let (mx, my) = (xs.reduce(0, +) / Double(xs.count), ys.reduce(0, +) / Double(ys.count))
    let covariance = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    return covariance / xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
  }

  /// The mean and the sample standard deviation (n − 1; NaN for one value).
  static func meanAndDeviation(_ values: ArraySlice<Double>) -> (Double, Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return (mean, .nan) }
    return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot())
  }

  /// A row per layer and width: `layer,width,depth,d,samples,n_seeds,relative_distance_mean,
  /// relative_distance_std,fitted_slope` (the layer's slope on each of its rows; std empty for one seed).
  func csv(_ c: KernelConvergenceArtifact.Contents, inputDimension d: Int) -> CSVTable {
    var table = CSVTable(columns: [
      "layer", "width", "depth", "d", "samples", "n_seeds", "relative_distance_mean", "relative_distance_std",
      "fitted_slope",
    ])
    for (l, layer) in c.layers.enumerated() {
      for (w, width) in c.widths.enumerated() {
        let e = w * c.layers.count + l
        table.append([
          layer, "\(width)", "\(depth)", "\(d)", "\(samples)", "\(c.seeds.count)", format(c.means[e]),
          format(c.deviations[e]), format(c.slopes[l]),
        ])
      }
    }
    return table
  }

  /// A row per width, a column per layer: mean ± std over the seeds (3 significant
  /// digits), and a last row with the fitted slopes.
  func markdown(_ c: KernelConvergenceArtifact.Contents) -> MarkdownTable {
    var table = MarkdownTable(headers: ["width n"] + c.layers)
    for (w, width) in c.widths.enumerated() {
      table.append(
        ["\(width)"]
          + c.layers.indices.map { l in
            let e = w * c.layers.count + l
            let mean = "\(rounded(c.means[e], significantDigits: 3))"
            return c.deviations[e].isNaN ? mean : mean + " ± \(rounded(c.deviations[e], significantDigits: 2))"
          })
    }
    table.append(["fitted slope"] + c.slopes.map { String(format: "%.3f", $0) })
    return table
  }
}
