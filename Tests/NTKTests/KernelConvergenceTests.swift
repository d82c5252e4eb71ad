import Artifacts
import Foundation
import KernelConvergenceStage
import LegacyRandom
import NTKMath
import StageSupport
import Testing

/// The finite tangent kernel against its infinite-width limit: the relative
/// Frobenius distance, its fall with the width, the slope, and the stage's files.
@Suite struct KernelConvergenceTests {
  static func inputs(_ n: Int, d: Int, seed: UInt32) -> Matrix {
    var generator = LegacyGenerator(seed: seed)
    return Matrix(rows: n, columns: d, values: generator.normals(count: n * d))
  }

  static func student(d: Int, widths: [Int], seed: UInt32) -> ReLUNetwork {
    var generator = LegacyGenerator(seed: seed)
    return ReLUNetwork(layers: generator.drawLayers(inputDimension: d, widths: widths))
  }

  /// ‖A − B‖_F / ‖B‖_F.
  static func relativeDistance(_ a: [Double], _ b: [Double]) -> Double {
    (zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / b.reduce(0) { $0 + $1 * $1 }).squareRoot()
  }

  /// The distances of each layer and of all computed directly: K_n from the explicit
  /// feature rows g(x) = δ ⊗ z (Gram by dot products), K∞ from InfiniteWidthNTK with the
  /// network's own fan-ins (scaledByFanIn), and all as the sum over the layers. Also
  /// whether the sum of the single layers' K∞ is K∞ of all layers (to 1e-13).
  static func explicitDistances(of network: ReLUNetwork, on x: Matrix) -> (distances: [Double], sumsAgree: Bool) {
    let n = x.rows
    let factors = network.tangentFactors(from: 0, of: network.forward(x))
    let kernel = InfiniteWidthNTK(architectureOf: network)
    var finiteSum = [Double](repeating: 0, count: n * n), limitSum = finiteSum
    var distances: [Double] = []
    for l in network.layers.indices {
      let g = factors[l].expanded()
      let finite = (0..<n).flatMap { i in
        (0..<n).map { j in (0..<g.columns).reduce(0) { $0 + g[i, $1] * g[j, $1] } }
      }
      let limit = kernel.kernel(of: x, layers: l..<(l + 1)).values
      distances.append(relativeDistance(finite, limit))
      for e in 0..<(n * n) {
        finiteSum[e] += finite[e]
        limitSum[e] += limit[e]
      }
    }
    let whole = kernel.kernel(of: x, layers: 0..<network.layers.count).values
    return (distances + [relativeDistance(finiteSum, limitSum)], relativeDistance(limitSum, whole) <= 1e-13)
  }

  /// The distances against the direct computation.
  @Test func distancesAgreeWithExplicitFeatures() {
    let x = Self.inputs(9, d: 4, seed: 3)
    let network = Self.student(d: 4, widths: [7, 5], seed: 8)
    let distances = KernelConvergence.relativeDistances(
      of: network, on: x, limitKernels: KernelConvergence.limitKernels(inputs: x, depth: 2))
    let (expected, sumsAgree) = Self.explicitDistances(of: network, on: x)
    #expect(sumsAgree)
    for l in 0..<4 { #expect(abs(distances[l] - expected[l]) <= 1e-12 * expected[l], "layer \(l)") }
  }

  /// Over 8 students per width (d = 10, 40 inputs): at width 1600 every layer's
  /// distance is about 0.08–0.1, and from width 100 to 1600 (16×) it falls about
  /// 4× (1/√16). Measured with 9 other sets of inputs and seeds: 0.08–0.10 at
  /// 1600, ratios 3.4–4.6; the bounds are loose, as the draws are random.
  @Test(.optimizedBuildOnly) func distanceFallsAsOneOverTheSquareRootOfTheWidth() {
    let x = Self.inputs(40, d: 10, seed: 5)
    let limit = KernelConvergence.limitKernels(inputs: x, depth: 2)
    func meanDistances(width: Int) -> [Double] {
      let seeds: [UInt32] = Array(0..<8)
      let all = seeds.map { seed in
        KernelConvergence.relativeDistances(
          of: Self.student(d: 10, widths: [width, width], seed: seed), on: x, limitKernels: limit)
      }
      return (0..<4).map { l in all.reduce(0) { $0 + $1[l] } / Double(seeds.count) }
    }
    let (narrow, wide) = (meanDistances(width: 100), meanDistances(width: 1600))
    #expect(wide.allSatisfy { $0 < 0.15 }, "at width 1600: \(wide)")
    for (n, w) in zip(narrow, wide) {
      #expect((2.5...6.5).contains(n / w), "width 100: \(narrow), width 1600: \(wide)")
    }
  }

  /// The slope of exact power laws, and of a power law times noise that cancels in the fit.
  @Test func fittedSlope() {
    let widths = [25, 50, 100, 200, 400]
    let slope = KernelConvergence.fittedSlope(widths: widths, distances: widths.map { 3 / Double($0).squareRoot() })
    #expect(abs(slope + 0.5) <= 1e-12)
    #expect(abs(KernelConvergence.fittedSlope(widths: [10, 1000], distances: [0.5, 0.005]) + 1) <= 1e-12)
    // Noise uncorrelated with log n (×1.1 at the ends, ÷1.1 in the middle) moves the line, not its slope.
    let noisy = KernelConvergence.fittedSlope(
      widths: [1, 2, 4, 8], distances: [1.1, 1 / (1.1 * 2), 1 / (1.1 * 4), 1.1 / 8])
    #expect(abs(noisy + 1) <= 1e-12)
  }

  /// The stage on a small truth file: the artifact reads back as computed,
  /// the distances of one student are those computed directly, and the CSV
  /// and Markdown table hold a row per layer and width and per width.
  @Test func stageWritesWhatItComputed() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("ntk-convergence-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let x = Self.inputs(30, d: 6, seed: 2)
    let teacher = Self.student(d: 6, widths: [6, 6], seed: 1)
    try TruthArtifact.write(
      to: folder + "/truth.h5", provenance: Provenance(program: "ntk-truth"), teacher: teacher,
      sampleCounts: [.train: 30, .test: 1]
    ) { split, emit in
      let inputs = split == .train ? x : x.rows(0..<1)
      try emit(0, inputs, teacher.predict(inputs))
    }
    let stage = KernelConvergence(
      truthPath: folder + "/truth.h5", samples: 20, depth: 2, widths: [40, 10, 20], seeds: [4, 9])
    let contents = try stage.run(
      output: folder + "/c.h5", csvPath: folder + "/d.csv", markdownPath: folder + "/d.md",
      log: StageLog(program: "test", quiet: true))
    #expect(contents.widths == [10, 20, 40] && contents.layers == ["W1", "W2", "u", "all"])

    let read = try KernelConvergenceArtifact(path: folder + "/c.h5").contents
    #expect(read.widths == contents.widths && read.seeds == [4, 9] && read.layers == contents.layers)
    #expect(read.distances == contents.distances && read.means == contents.means && read.slopes == contents.slopes)
    #expect(read.limitKernel == contents.limitKernel)
    // Width 20 (index 1), seed 9 (index 1): the student drawn as ntk-init would, on the first 20
    // inputs, its distances computed directly (explicit features, InfiniteWidthNTK), not by the stage's code.
    let (direct, _) = Self.explicitDistances(of: Self.student(d: 6, widths: [20, 20], seed: 9), on: x.rows(0..<20))
    func stored(width w: Int, layer l: Int, seed s: Int) -> Double { read.distances[(w * 4 + l) * 2 + s] }
    for l in 0..<4 {
      let found = stored(width: 1, layer: l, seed: 1)
      #expect(abs(found - direct[l]) <= 1e-12 * direct[l], "layer \(l): stored \(found), direct \(direct[l])")
    }
    // Another width's or seed's student would be far off: the check tells the cells apart.
    #expect(abs(stored(width: 1, layer: 0, seed: 0) - direct[0]) > 1e-3 * direct[0])
    #expect(abs(stored(width: 2, layer: 0, seed: 1) - direct[0]) > 1e-3 * direct[0])
    let mean: Double = (stored(width: 1, layer: 3, seed: 0) + stored(width: 1, layer: 3, seed: 1)) / 2
    #expect(abs(read.means[1 * 4 + 3] - mean) <= 1e-15)

    let csv = try String(contentsOfFile: folder + "/d.csv", encoding: .utf8).split(separator: "\n")
    #expect(
      csv.first
        == "layer,width,depth,d,samples,n_seeds,relative_distance_mean,relative_distance_std,fitted_slope")
    #expect(csv.count == 1 + 4 * 3 && csv[1].hasPrefix("W1,10,2,6,20,2,"))
    let markdown = try String(contentsOfFile: folder + "/d.md", encoding: .utf8).split(separator: "\n")
    #expect(markdown.count == 2 + 3 + 1 && markdown[0] == "| width n | W1 | W2 | u | all |")
    #expect(markdown.last!.hasPrefix("| fitted slope | "))
  }

  /// Too few inputs in the truth file: one line naming the file and the option.
  @Test func refusesMoreSamplesThanTheTruthHolds() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("ntk-convergence-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try TruthArtifact.write(
      to: folder + "/truth.h5", provenance: Provenance(program: "ntk-truth"),
      teacher: Self.student(d: 3, widths: [3], seed: 1), sampleCounts: [.train: 5, .test: 1]
    ) { split, emit in
      let inputs = Self.inputs(split == .train ? 5 : 1, d: 3, seed: 4)
      try emit(0, inputs, Self.student(d: 3, widths: [3], seed: 1).predict(inputs))
    }
    let stage = KernelConvergence(truthPath: folder + "/truth.h5", samples: 6, depth: 1, widths: [2, 4], seeds: [0])
    #expect {
      try stage.run(output: folder + "/c.h5", log: StageLog(program: "test", quiet: true))
    } throws: { error in
      "\(error)".contains("\(folder)/truth.h5: /inputs/train has 5 samples, fewer than the 6 asked for (--samples)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/c.h5"))
  }
}
