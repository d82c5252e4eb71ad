import HDF5IO
import LinearSVM
import NTKMath

/// The infinite-width baseline of one step: the SVM (libsvm C-SVC, as
/// scikit-learn's `SVC(kernel='precomputed')`) trained on the infinite-width
/// tangent kernel K∞ of the step's layer(s) at random initialisation (see
/// InfiniteWidthNTK), on the same training set, with the same C:
///
///     /kernel       m × m    K∞ on the training set (when m² · 8 bytes ≤ 256 MiB)
///     /support      n_sv     training-row indices of the support vectors (`support_`)
///     /dual_coef    n_sv     y_i α_i (`dual_coef_`); decision(x) = Σ dual_coef_i K∞(x, x_support_i) + intercept
///     /intercept    scalar   b (`intercept_`)
///     /n_support    2        support vectors of class −1, +1 (`n_support_`)
///     /errors/...            the model ntk_infinite (see ModelErrors)
///
/// It is read as a step's results (StepResults).
public enum InfiniteKernelArtifact {
  public static let kind = "infinite-width kernel SVM"

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, formula: String,
    solution: SVMSolution, kernel: Matrix?, parameters: SVMParameters, result: ModelResult
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
      ])
      try SVMSchema.write(solution, to: file)
      if let kernel {
        try file.write(kernel.values, shape: kernel.shape, to: "/kernel")
        try file.setAttribute("description", .string("K∞(x_i, x_j) on the training set"), on: "/kernel")
      }
      try ModelErrors.write([result], to: file)
    }
  }
}
