import HDF5IO
import NTKMath

/// How far the finite-width tangent kernel is from its infinite-width limit,
/// over hidden widths n (every hidden layer n wide), seeds and layers:
///
///     /widths                   n_w               the hidden widths n, increasing
///     /seeds                    n_s               the students' seeds (numpy's legacy generator)
///     /layers                   n_l strings       W1 … WL, u, all
///     /relative_distance        n_w × n_l × n_s   ‖K_n − K∞‖_F / ‖K∞‖_F of each student and layer
///     /relative_distance_mean   n_w × n_l         its mean over the seeds
///     /relative_distance_std    n_w × n_l         its sample standard deviation (n_s − 1; NaN for one seed)
///     /fitted_slope             n_l               least-squares slope of log(mean) against log n
///     /limit_kernel             (L+1) × N × N     Θ of W1 … WL, u on the N inputs, without the fan-in
///
/// The inputs are the first N training inputs of the truth file (`input_files`).
public struct KernelConvergenceArtifact: Artifact {
  public static let kind = "kernel convergence"

  /// What the file holds, as computed: `distances` is widths × layers × seeds, row-major.
  public struct Contents: Sendable {
    public var widths: [Int]
    public var seeds: [Int]
    public var layers: [String]
    public var distances: [Double]
    public var means: [Double]
    public var deviations: [Double]
    public var slopes: [Double]
    /// Θ of each single layer W1 … WL, u on the inputs (N × N each).
    public var limitKernel: [Matrix]

    public init(
      widths: [Int], seeds: [Int], layers: [String], distances: [Double], means: [Double], deviations: [Double],
      slopes: [Double], limitKernel: [Matrix]
    ) {
      precondition(distances.count == widths.count * layers.count * seeds.count, "distances of the wrong size")
      precondition(means.count == widths.count * layers.count && deviations.count == means.count)
      precondition(slopes.count == layers.count && limitKernel.count == layers.count - 1)
      self.widths = widths
      self.seeds = seeds
      self.layers = layers
      self.distances = distances
      self.means = means
      self.deviations = deviations
      self.slopes = slopes
      self.limitKernel = limitKernel
    }
  }

  public let file: HDF5File
  public let contents: Contents

  /// Opens and checks a kernel-convergence file: the shapes agree with /widths, /layers and /seeds.
  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    let widths = try file.dataset("/widths", rank: 1).read(Int64.self).map(Int.init)
    let seeds = try file.dataset("/seeds", rank: 1).read(Int64.self).map(Int.init)
    let layers = try file.readStrings("/layers")
    let (w, l, s) = (widths.count, layers.count, seeds.count)
    let meaning = "\(w) widths × \(l) layers as in /widths and /layers"
    let distances = try file.dataset("/relative_distance", rank: 3)
    try distances.expect(shape: [w, l, s], "\(meaning) × \(s) seeds as in /seeds")
    var summaries: [[Double]] = []
    for name in ["/relative_distance_mean", "/relative_distance_std"] {
      let dataset = try file.dataset(name, rank: 2)
      try dataset.expect(shape: [w, l], meaning)
      summaries.append(try dataset.read(Double.self))
    }
    let slopes = try file.dataset("/fitted_slope", rank: 1)
    try slopes.expect(shape: [l], "one per layer of /layers")
    let limit = try file.dataset("/limit_kernel", rank: 3)
    let n = limit.shape[1]
    try limit.expect(shape: [l - 1, n, n], "one N × N matrix per single layer of /layers")
    let theta = try limit.read(Double.self)
    contents = Contents(
      widths: widths, seeds: seeds, layers: layers, distances: try distances.read(Double.self), means: summaries[0],
      deviations: summaries[1], slopes: try slopes.read(Double.self),
      limitKernel: (0..<(l - 1)).map {
        Matrix(rows: n, columns: n, values: Array(theta[($0 * n * n)..<(($0 + 1) * n * n)]))
      })
  }

  /// Writes a kernel-convergence file atomically.
  public static func write(to path: String, provenance: Provenance, contents c: Contents) throws {
    let (w, l, s) = (c.widths.count, c.layers.count, c.seeds.count)
    let n = c.limitKernel.first?.rows ?? 0
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description:
          "Relative Frobenius distance ‖K_n − K∞‖_F / ‖K∞‖_F between the finite tangent kernel K_n of a random ReLU "
          + "network with hidden widths n,…,n and its infinite-width limit K∞ (the same scale: n_{l−1}·Θ per layer), "
          + "on the first N training inputs of the truth file, per width, layer and seed.")
      func dataset<T: HDF5Element>(
        _ values: [T], _ shape: [Int], _ name: String, _ meaning: String, _ units: String
      )
        throws
      {
        try file.write(values, shape: shape, to: name)
        try file.setAttributes(["description": .string(meaning), "units": .string(units)], on: name)
      }
      let ratio = "1 (a ratio of Frobenius norms)"
      try dataset(
        c.widths.map(Int64.init), [w], "/widths", "hidden width n of the student: every hidden layer n wide",
        "units per hidden layer")
      try dataset(
        c.seeds.map(Int64.init), [s], "/seeds",
        "seeds of numpy's legacy generator; each student drawn as ntk-init's first step: W1 … WL, u, each "
          + "randn(out, in)/√in", "1")
      try file.write(c.layers, to: "/layers")
      try file.setAttributes(
        [
          "description": .string(
            "the layers θ whose tangent kernels are compared: W1 … WL, u, and all (the sum over the layers: the "
              + "full network's kernel)"),
          "units": .string("none"),
        ], on: "/layers")
      try dataset(
        c.distances, [w, l, s], "/relative_distance",
        "‖K_n − K∞‖_F / ‖K∞‖_F per width × layer × seed; K_n[i,j] = ⟨∂f/∂θ(x_i), ∂f/∂θ(x_j)⟩ of the drawn student, "
          + "K∞ = n_{l−1}·Θ_θ (n_0 = d, n_L for u; summed over the layers for all)", ratio)
      try dataset(c.means, [w, l], "/relative_distance_mean", "mean of /relative_distance over the seeds", ratio)
      try dataset(
        c.deviations, [w, l], "/relative_distance_std",
        "sample standard deviation (n_s − 1) of /relative_distance over the seeds; NaN for a single seed", ratio)
      try dataset(
        c.slopes, [l], "/fitted_slope",
        "slope of the least-squares line through (log n, log /relative_distance_mean) per layer; about −1/2 when "
          + "the distance shrinks as 1/√n", "1 (log distance per log width)")
      try dataset(
        c.limitKernel.flatMap(\.values), [l - 1, n, n], "/limit_kernel",
        "Θ_θ(x_i, x_j) for θ = W1 … WL, u (the rows of /layers but all), the infinite-width tangent kernel without "
          + "the fan-in, by the arc-cosine recursion (InfiniteWidthNTK); K∞ of width n is n_{l−1}·Θ",
        "1 (inputs and outputs are unitless)")
    }
  }
}
