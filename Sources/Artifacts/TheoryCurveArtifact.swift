import Foundation
import HDF5IO
import NTKMath

/// The predicted learning curve of kernel ridge regression with K∞ of one
/// layer (SpectralLearningCurve), estimated on the first `theory_samples`
/// test inputs of a ground truth and their labels:
///
///     /eigenvalues          N    λ_i, the eigenvalues of K∞/N on the N samples, descending
///     /target_power         N    v_i² = (u_iᵀy)²/N, the labels' power along eigenvector u_i
///     /curve/m              n_m  training-set sizes, log-spaced from 10 to N
///     /curve/predicted_mse  n_m  the predicted test MSE of KRR at each m, ridge δ = krr_ridge·Σλ_i
///     /curve/effective_ridge n_m κ at each m
///
/// Root attributes: `layer`, `layer_label`, `kernel_formula`, `theory_samples`
/// (N), `krr_ridge` (r), `ridge` (δ = r·Σλ_i, the estimate of r·tr(K∞)/m for
/// every m), `residual_power` (ε²), `teacher_seed` (the ground truth's seed),
/// `hidden_widths`, `equations` (the self-consistent equations). K∞ depends only
/// on the architecture and the layer, and the test set only on the teacher
/// seed in a learning curve: one file serves every M of a curve.
public struct TheoryCurveArtifact: Artifact {
  public static let kind = "kernel regression theory curve"

  public static let equations =
    "Canatar, Bordelon & Pehlevan 2021 / Simon et al. 2021 (eigenlearning): κ solves Σ_i λ_i/(λ_i + κ) + ridge/κ = m, "
    + "L_i = λ_i/(λ_i + κ), E₀ = m/(m − Σ_i L_i²), predicted MSE = E₀·(Σ_i (1 − L_i)² target_power_i + "
    + "residual_power), for KRR f(x) = k(x)ᵀ(K + ridge·I)⁻¹y on m samples; λ_i, target_power_i from the N × N "
    + "kernel of held-out samples: eigenvalues of K/N, (u_iᵀy)²/N"

  public let file: HDF5File
  public let layerLabel: String
  public let teacherSeed: Int
  public let hiddenWidths: [Int]
  public let relativeRidge: Double
  public let ridge: Double
  public let curve: SpectralLearningCurve

  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    layerLabel = try file.string("layer_label")
    teacherSeed = try file.integer("teacher_seed")
    hiddenWidths = try file.integers("hidden_widths")
    relativeRidge = try file.number("krr_ridge")
    ridge = try file.number("ridge")
    let eigenvalues = try file.dataset("/eigenvalues", rank: 1).readVector()
    let power = try file.dataset("/target_power", rank: 1).readVector()
    guard eigenvalues.count == power.count else {
      throw HDF5Error(
        file: path, object: "/target_power", "has \(power.count) values for \(eigenvalues.count) eigenvalues")
    }
    curve = SpectralLearningCurve(
      eigenvalues: eigenvalues, targetPower: power, residualPower: try file.number("residual_power"))
  }

  /// The sizes of the stored curve: log-spaced (4 a doubling) from 10 to N, distinct integers.
  public static func gridSizes(upTo n: Int) -> [Int] {
    var sizes: [Int] = []
    var k = 0
    while true {
      let m = Int((10 * pow(2, Double(k) / 4)).rounded())
      if m > n { break }
      if sizes.last != m { sizes.append(m) }
      k += 1
    }
    return sizes
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, formula: String, teacherSeed: Int,
    hiddenWidths: [Int], samples: Int, relativeRidge: Double, curve: SpectralLearningCurve
  ) throws {
    let ridge = relativeRidge * curve.trace
    let sizes = gridSizes(upTo: samples)
    let predictions = sizes.map { curve.prediction(samples: $0, ridge: ridge) }
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "The predicted test mean squared error of kernel ridge regression with the infinite-width "
          + "tangent kernel K∞ of layer \(layer) on the ±1 labels, as a function of the training samples m, from "
          + "K∞'s spectrum and the labels' power in its eigenbasis on \(samples) held-out (test) samples.")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "kernel_formula": .string(formula),
        "theory_samples": .integer(Int64(samples)),
        "sample_choice": .string("the first theory_samples test inputs and their labels"),
        "krr_ridge": .double(relativeRidge),
        "ridge": .double(ridge),
        "residual_power": .double(curve.residualPower),
        "teacher_seed": .integer(Int64(teacherSeed)),
        "hidden_widths": .integers(hiddenWidths.map(Int64.init)),
        "equations": .string(equations),
      ])
      let n = curve.eigenvalues.count
      try file.write(curve.eigenvalues, shape: [n], to: "/eigenvalues")
      try file.setAttribute(
        "description", .string("λ_i: the eigenvalues of K∞/N on the N theory samples, descending (negative → 0)"),
        on: "/eigenvalues")
      try file.write(curve.targetPower, shape: [n], to: "/target_power")
      try file.setAttribute(
        "description", .string("v_i² = (u_iᵀy)²/N: the labels' power along each eigenvector, as /eigenvalues"),
        on: "/target_power")
      try file.write(sizes.map(Int64.init), shape: [sizes.count], to: "/curve/m")
      try file.setAttribute(
        "description", .string("training-set sizes m, log-spaced (4 a doubling) from 10 to N"), on: "/curve/m")
      let series: [(String, [Double], String)] = [
        ("predicted_mse", predictions.map(\.meanSquaredError), "the predicted test MSE of KRR at m (equations)"),
        ("effective_ridge", predictions.map(\.effectiveRidge), "κ at m (equations)"),
      ]
      for (name, values, description) in series {
        try file.write(values, shape: [values.count], to: "/curve/\(name)")
        try file.setAttribute("description", .string(description), on: "/curve/\(name)")
      }
    }
  }
}
