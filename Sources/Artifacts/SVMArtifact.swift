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
///
/// Attributes: `solver`, `solved_from` (the path taken), `C`, the solver's
/// tolerance (`tolerance` for libsvm; `gap_tolerance`, `max_passes`, `passes`,
/// `method`, `steps` for the linear solver), `primal_objective` P(w, b),
/// `dual_objective` D(α), `duality_gap` (P − D)/P and `training_seconds`.
public struct SVMArtifact: Artifact {
  public static let kind = "linear SVM"
  /// A kernel of the training set (8 bytes an entry) is kept in its artifact up to this many bytes: svm.h5's
  /// and infinite.h5's /kernel, and infinite.h5's Nyström features Φ.
  public static let storedKernelLimit = 256 << 20

  /// Whether an artifact keeps the m × m kernel of its training set: m²·8 bytes ≤ 256 MiB, m ≤ 5792.
  public static func keepsKernel(samples m: Int) -> Bool { m * m * 8 <= storedKernelLimit }
  public let file: HDF5File
  public let weights: [Double]
  public let intercept: Double
  public let layer: String
  public let blocks: LayerBlocks
  /// The solver, spelled out (attribute `solver`); nil in a file written before it was recorded.
  public let solver: String?
  /// The training path taken (attribute `solved_from`); nil in a file written before it was recorded.
  public let solvedFrom: String?

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layer = try file.string("layer")
    solver = file.hasAttribute("solver") ? try file.string("solver") : nil
    solvedFrom = file.hasAttribute("solved_from") ? try file.string("solved_from") : nil
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

  /// How the SVM was trained, for the artifact's attributes.
  public struct Training: Sendable {
    public var solution: SVMSolution
    /// The solver, spelled out (attribute `solver`).
    public var solver: String
    /// Which of the training paths (attribute `solved_from`).
    public var solvedFrom: String
    public var objectives: SVMObjectives
    /// The solver's own attributes: its tolerance and, for the linear solver, its passes.
    public var attributes: [String: HDF5AttributeValue]
    public var seconds = 0.0

    /// What an artifact records of the training: `solver`, `solved_from`,
    /// `primal_objective`, `dual_objective`, `duality_gap`, `training_seconds`
    /// and the solver's own attributes.
    public var recordedAttributes: [String: HDF5AttributeValue] {
      attributes.merging([
        "solver": .string(solver),
        "solved_from": .string(solvedFrom),
        "primal_objective": .double(objectives.primal),
        "dual_objective": .double(objectives.dual),
        "duality_gap": .double(objectives.relativeGap),
        "training_seconds": .double(seconds),
      ]) { $1 }
    }

    /// libsvm's solution.
    public static func libsvm(
      _ solution: SVMSolution, solvedFrom: String, parameters: SVMParameters, objectives: SVMObjectives
    ) -> Training {
      Training(
        solution: solution, solver: "libsvm \(libsvmVersion) C-SVC, shrinking on, as scikit-learn SVC(kernel='linear')",
        solvedFrom: solvedFrom, objectives: objectives,
        attributes: ["C": .double(parameters.C), "tolerance": .double(parameters.tolerance)])
    }

    /// DualCoordinateDescent's solution.
    public static func linear(
      _ result: DualCoordinateDescent.Result, parameters: DualCoordinateDescent.Parameters, storage: String
    ) -> Training {
      Training(
        solution: result.solution,
        solver: result.method == "Newton"
          ? "Newton's method on the smoothed hinge with continuation (Chapelle 2007), in the primal's p + 1 "
            + "unknowns; stopped on the relative duality gap"
          : "dual coordinate descent with shrinking (Hsieh et al., ICML 2008) inside the method of multipliers "
            + "for the unpenalised bias; stopped on the relative duality gap",
        solvedFrom: "the \(storage) feature rows, by the linear solver (time linear in m)",
        objectives: result.objectives,
        attributes: [
          "C": .double(parameters.C), "gap_tolerance": .double(parameters.tolerance),
          "max_passes": .integer(Int64(parameters.maxPasses)), "passes": .double(result.passes),
          "method": .string(result.method), "steps": .integer(Int64(result.steps)),
        ])
    }
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, blocks: LayerBlocks, training: Training,
    weights: [Double], kernel: Matrix?
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description:
          "A linear C-SVC on tangent features: decision(g) = weights·g + intercept; positive means +1.")
      let attributes = training.recordedAttributes.merging(["layer": .string(layer)]) { $1 }
      for name in attributes.keys.sorted() { try file.setAttribute(name, attributes[name]!) }
      try blocks.write(to: file)
      try file.write(weights, shape: [weights.count], to: "/weights")
      try file.setAttribute(
        "description",
        .string(
          "w = Σ_i dual_coef_i · g(x_support_i) (scikit-learn coef_): one block per layer (block_layers), each "
            + "out·in row-major"),
        on: "/weights")
      try SVMSchema.write(training.solution, to: file)
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
