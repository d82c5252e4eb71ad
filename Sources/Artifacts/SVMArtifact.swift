import HDF5IO
import LinearSVM
import NTKMath

/// A trained linear SVM, in scikit-learn's conventions (decision(x) = w·x + b,
/// positive means +1):
///
///     /weights          p        w (`coef_`)
///     /intercept        scalar   b (`intercept_`)
///     /support          n_sv     training-row indices of the support vectors (`support_`)
///     /dual_coef        n_sv     y_i α_i (`dual_coef_`)
///     /n_support        2        support vectors of class −1, +1 (`n_support_`)
///     /kernel           m × m    the empirical tangent kernel on the training set
///                                (when trained from it and m² · 8 bytes ≤ 256 MiB)
public struct SVMArtifact: Artifact {
  public static let kind = "linear SVM"
  public let file: HDF5File
  public let weights: [Double]
  public let intercept: Double
  public let layer: String
  public let blocks: LayerBlocks

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    blocks = try LayerBlocks.read(from: file)
    let w = try file.dataset("/weights", rank: 1)
    try w.expect(shape: [blocks.featureCount], "one weight per feature of \(blocks)")
    weights = try w.readVector()
    intercept = try file.dataset("/intercept", rank: 0).readVector()[0]
  }

  /// decision(x) = w·g(x) + b for a block of feature rows.
  public func decision(_ rows: FeatureRows) -> [Double] {
    rows.dot(blocks.split(weights), adding: intercept)
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, blocks: LayerBlocks,
    solution: SVMSolution, weights: [Double], kernel: Matrix?, solvedFrom: String, parameters: SVMParameters
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description:
          "A linear C-SVC (libsvm) on tangent features: decision(g) = weights·g + intercept; positive means +1.")
      try file.setAttributes([
        "layer": .string(layer),
        "solver": .string("libsvm \(libsvmVersion) C-SVC, shrinking on, as scikit-learn SVC(kernel='linear')"),
        "solved_from": .string(solvedFrom),
        "C": .double(parameters.C),
        "tolerance": .double(parameters.tolerance),
      ])
      try blocks.write(to: file)
      try file.write(weights, shape: [weights.count], to: "/weights")
      try file.setAttribute(
        "description",
        .string(
          "w = Σ_i dual_coef_i · g(x_support_i) (scikit-learn coef_): one block per layer (block_layers), each "
            + "out·in row-major"),
        on: "/weights")
      try SVMSchema.write(solution, to: file)
      if let kernel {
        try file.write(kernel.values, shape: kernel.shape, to: "/kernel")
        try file.setAttribute(
          "description",
          .string("K[i][j] = ⟨g(x_i), g(x_j)⟩ on the training set: the empirical tangent kernel of the layer(s)"),
          on: "/kernel")
      }
    }
  }
}
