import HDF5IO
import LinearSVM
import NTKMath

/// The infinite-width baseline of one step: the SVM trained on the
/// infinite-width tangent kernel K∞ of the step's layer(s) at random
/// initialisation (see InfiniteWidthNTK), on the same training set, with the
/// same C — exactly, or by the Nyström approximation (attribute
/// `approximation`, "exact" or "nystrom").
///
/// **Exact** (libsvm C-SVC, as scikit-learn's `SVC(kernel='precomputed')`):
///
///     /kernel       m × m    K∞ on the training set (when m² · 8 bytes ≤ 256 MiB)
///     /support      n_sv     training-row indices of the support vectors (`support_`)
///     /dual_coef    n_sv     y_i α_i (`dual_coef_`); decision(x) = Σ dual_coef_i K∞(x, x_support_i) + intercept
///     /intercept    scalar   b (`intercept_`)
///     /n_support    2        support vectors of class −1, +1 (`n_support_`)
///     /errors/...            the model ntk_infinite (see ModelErrors)
///
/// with attributes `solver`, `solved_from`, `C`, `tolerance`.
///
/// **Nyström** (NystromApproximation): the linear C-SVC (DualCoordinateDescent)
/// on Φ = K∞(X, L)·K∞(L, L)^{−1/2} for k landmark training samples L;
/// decision(x) = K∞(x, L)·v + b:
///
///     /landmarks             k        0-based training-row indices of L, ascending
///     /nystrom_weights       k        v = K∞(L, L)^{−1/2} w
///     /weights               k        w = Σ dual_coef_i Φ(x_support_i), the linear SVM's weights on Φ
///     /landmark_eigenvalues  k        eigenvalues of K∞(L, L), ascending
///     /nystrom_features      m × k    Φ (when m·k·8 bytes ≤ 256 MiB)
///     /support, /dual_coef, /intercept, /n_support   the SVM on Φ, as above (decision = Φ(x)·w + b)
///     /errors/...            the model ntk_infinite, marked approximate (ModelErrors)
///
/// with attributes `landmarks` (k), `landmark_seed`, `landmark_draw`,
/// `eigenvalue_threshold` (τ: eigenvalues ≤ τ·λ_max dropped), `nystrom_rank`
/// (eigenvalues kept), `nystrom_formula` and the linear solver's (as in
/// SVMArtifact: `solver`, `solved_from`, `C`, `gap_tolerance`, `max_passes`,
/// `passes`, `method`, `steps`, `primal_objective`, `dual_objective`,
/// `duality_gap`, `training_seconds`).
///
/// **Kernel ridge regression** (model krr_infinite, KernelRidgeRegression),
/// in both files: f(x) = K∞(x, X)·α with α = (K∞ + λI)⁻¹y, exact while K∞ of
/// the training set is held in memory (the exact path's stored kernel, m²·8
/// bytes ≤ 256 MiB); above that ridge regression on the Nyström features Φ of
/// the landmarks L (w = (ΦᵀΦ + λI)⁻¹Φᵀy, f(x) = K∞(x, L)·v, v = K∞(L, L)^{−1/2} w),
/// marked approximate:
///
///     /krr/dual_coef        m   α (exact): f(x) = Σ_i α_i K∞(x, x_i)
///     /krr/weights          k   w on Φ (Nyström)
///     /krr/nystrom_weights  k   v = K∞(L, L)^{−1/2} w (Nyström): f(x) = K∞(x, L)·v
///
/// with attributes on /krr `approximation` ("exact" or "nystrom"),
/// `krr_ridge` (r), `ridge` (λ = r·tr(K∞)/m), `kernel_trace` (tr K∞ on the
/// training set), `formula`; /errors holds ntk_infinite and krr_infinite, the
/// latter with its test MSE (/errors/test_mse).
///
/// It is read as a step's results (StepResults).
public enum InfiniteKernelArtifact {
  public static let kind = "infinite-width kernel SVM"

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, formula: String,
    solution: SVMSolution, kernel: Matrix?, parameters: SVMParameters, solvedFrom: String, result: ModelResult,
    ridgeRegression: KernelRidge
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "The SVM on the infinite-width tangent kernel K∞ of layer \(layer) at random initialisation, "
          + "trained on the run's training set: the limit of the finite-width tangent features' classifier.")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "kernel_formula": .string(formula),
        "solver": .string(
          "libsvm \(libsvmVersion) C-SVC on the precomputed kernel, as scikit-learn SVC(kernel='precomputed')"),
        "C": .double(parameters.C),
        "tolerance": .double(parameters.tolerance),
        "approximation": .string("exact"),
        "solved_from": .string(solvedFrom),
      ])
      try SVMSchema.write(solution, to: file)
      if let kernel {
        try file.write(kernel.values, shape: kernel.shape, to: "/kernel")
        try file.setAttribute("description", .string("K∞(x_i, x_j) on the training set"), on: "/kernel")
      }
      try ridgeRegression.write(to: file)
      try ModelErrors.write([result, ridgeRegression.result], to: file)
    }
  }

  /// Kernel ridge regression with K∞ (model krr_infinite), for the artifact.
  public struct KernelRidge: Sendable {
    /// r: λ = r·tr(K∞)/m.
    public var relativeRidge: Double
    /// λ.
    public var ridge: Double
    /// tr(K∞) on the training set.
    public var trace: Double
    /// Exact: α over the training samples. Nyström: v over the landmarks.
    public var coefficients: [Double]
    /// Nyström: w, the weights on Φ; nil when exact.
    public var featureWeights: [Double]?
    public var result: ModelResult

    public init(
      relativeRidge: Double, ridge: Double, trace: Double, coefficients: [Double], featureWeights: [Double]?,
      result: ModelResult
    ) {
      self.relativeRidge = relativeRidge
      self.ridge = ridge
      self.trace = trace
      self.coefficients = coefficients
      self.featureWeights = featureWeights
      self.result = result
    }

    func write(to file: HDF5File) throws {
      try file.createGroup("/krr")
      let exact = featureWeights == nil
      let attributes: [String: HDF5AttributeValue] = [
        "approximation": .string(exact ? "exact" : "nystrom"),
        "krr_ridge": .double(relativeRidge),
        "ridge": .double(ridge),
        "kernel_trace": .double(trace),
        "formula": .string(
          exact
            ? "f(x) = K∞(x, X)·dual_coef, dual_coef = (K∞(X, X) + ridge·I)⁻¹ y (Cholesky), "
              + "ridge = krr_ridge·kernel_trace/m; prediction sign(f)"
            : "f(x) = Φ(x)·weights = K∞(x, L)·nystrom_weights, weights = (ΦᵀΦ + ridge·I)⁻¹ Φᵀy (Cholesky; the "
              + "kernel ridge regression of ΦΦᵀ ≈ K∞), ridge = krr_ridge·kernel_trace/m with the exact K∞'s "
              + "trace; prediction sign(f)"),
      ]
      for name in attributes.keys.sorted() { try file.setAttribute(name, attributes[name]!, on: "/krr") }
      if let w = featureWeights {
        try file.write(w, shape: [w.count], to: "/krr/weights")
        try file.setAttribute(
          "description", .string("w = (ΦᵀΦ + ridge·I)⁻¹ Φᵀy: the ridge regression's weights on Φ"),
          on: "/krr/weights")
        try file.write(coefficients, shape: [coefficients.count], to: "/krr/nystrom_weights")
        try file.setAttribute(
          "description", .string("v = K∞(L, L)^(−1/2) w: f(x) = K∞(x, L)·v, L the rows /landmarks"),
          on: "/krr/nystrom_weights")
      } else {
        try file.write(coefficients, shape: [coefficients.count], to: "/krr/dual_coef")
        try file.setAttribute(
          "description", .string("α = (K∞ + ridge·I)⁻¹ y over the training samples: f(x) = Σ_i α_i K∞(x, x_i)"),
          on: "/krr/dual_coef")
      }
    }
  }

  /// The Nyström path's model, for the artifact.
  public struct Nystrom {
    /// L: 0-based training-row indices, ascending.
    public var landmarks: [Int]
    public var seed: Int
    /// How L was drawn, for the attribute `landmark_draw`.
    public var draw: String
    public var approximation: NystromApproximation
    /// w, the linear SVM's weights on Φ.
    public var weights: [Double]
    /// v = K∞(L, L)^{−1/2} w.
    public var landmarkWeights: [Double]
    /// Φ, when it is small enough to keep.
    public var features: Matrix?
    public var training: SVMArtifact.Training

    public init(
      landmarks: [Int], seed: Int, draw: String, approximation: NystromApproximation, weights: [Double],
      landmarkWeights: [Double], features: Matrix?, training: SVMArtifact.Training
    ) {
      self.landmarks = landmarks
      self.seed = seed
      self.draw = draw
      self.approximation = approximation
      self.weights = weights
      self.landmarkWeights = landmarkWeights
      self.features = features
      self.training = training
    }
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, formula: String, nystrom: Nystrom,
    result: ModelResult, ridgeRegression: KernelRidge
  ) throws {
    let k = nystrom.landmarks.count
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "The SVM on the infinite-width tangent kernel K∞ of layer \(layer) at random initialisation, "
          + "trained on the run's training set by the Nyström approximation from \(k) landmark training samples "
          + "(a linear SVM on Φ = K∞(X, L)·K∞(L, L)^(−1/2)): an approximation of the limit of the finite-width "
          + "tangent features' classifier.")
      let attributes = nystrom.training.recordedAttributes.merging([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "kernel_formula": .string(formula),
        "approximation": .string("nystrom"),
        "nystrom_formula": .string(
          "Φ(x) = K∞(x, L)·K∞(L, L)^(−1/2) (Williams & Seeger, NIPS 2001), K∞(L, L)^(−1/2) = Σ λ_j^(−1/2) u_j u_jᵀ "
            + "over the eigenvalues λ_j > eigenvalue_threshold·λ_max (a pseudo-inverse square root); "
            + "decision(x) = K∞(x, L)·nystrom_weights + intercept"),
        "landmarks": .integer(Int64(k)),
        "landmark_seed": .integer(Int64(nystrom.seed)),
        "landmark_draw": .string(nystrom.draw),
        "eigenvalue_threshold": .double(NystromApproximation.relativeThreshold),
        "nystrom_rank": .integer(Int64(nystrom.approximation.rank)),
      ]) { $1 }
      for name in attributes.keys.sorted() { try file.setAttribute(name, attributes[name]!) }
      try file.write(nystrom.landmarks.map(Int64.init), shape: [k], to: "/landmarks")
      try file.setAttribute(
        "description", .string("0-based training-row indices of the landmarks L, ascending (landmark_draw)"),
        on: "/landmarks")
      try file.write(nystrom.landmarkWeights, shape: [k], to: "/nystrom_weights")
      try file.setAttribute(
        "description",
        .string("v = K∞(L, L)^(−1/2) w: decision(x) = K∞(x, L)·v + intercept, L the rows /landmarks"),
        on: "/nystrom_weights")
      try file.write(nystrom.weights, shape: [k], to: "/weights")
      try file.setAttribute(
        "description",
        .string("w = Σ_i dual_coef_i Φ(x_support_i): the linear SVM's weights on the Nyström features Φ"),
        on: "/weights")
      try file.write(nystrom.approximation.eigenvalues, shape: [k], to: "/landmark_eigenvalues")
      try file.setAttribute(
        "description",
        .string(
          "the eigenvalues of K∞(L, L), ascending; those ≤ eigenvalue_threshold·λ_max are dropped from "
            + "K∞(L, L)^(−1/2)"),
        on: "/landmark_eigenvalues")
      if let features = nystrom.features {
        try file.write(features.values, shape: features.shape, to: "/nystrom_features")
        try file.setAttribute(
          "description", .string("Φ = K∞(X, L)·K∞(L, L)^(−1/2) on the training set (m × k)"),
          on: "/nystrom_features")
      }
      try SVMSchema.write(nystrom.training.solution, to: file)
      try ridgeRegression.write(to: file)
      try ModelErrors.write([result, ridgeRegression.result], to: file)
    }
  }
}
