import HDF5IO
import NTKMath

/// The kernel–target alignment and the spectrum of a step's kernels on its
/// training set (ntk-spectrum): the finite tangent kernel K0 = G Gᵀ of the
/// step's layer at the step's network and, with their baselines, the
/// infinite-width kernel K∞ and the tangent kernel K_T of the trained network.
///
///     /spectrum_samples                          n        int64   the training samples of the spectra, ascending
///     /kernels/<kernel>/eigenvalues              n        float64 λ_k of K/n on those samples, descending
///     /kernels/<kernel>/target_power             n        float64 (v_kᵀy)²/‖y‖²
///     /kernels/<kernel>/cumulative_target_power  n        float64 Σ_{j≤k} (v_jᵀy)²/‖y‖²
///     /kernels/<kernel>/alignment_samples        a        int64   (only when the alignment used a subset)
///
/// <kernel> is K0, K_infinite or K_trained. Each kernel group's attributes:
/// `alignment`, `centred_alignment`, their parts (`target_quadratic` yᵀKy,
/// `frobenius_norm`, `centred_target_quadratic`, `centred_frobenius_norm`),
/// `alignment_sample_count`, `alignment_method`, `description`. Root
/// attributes: `layer`, `layer_label`, `kernels`, `spectrum_seed`,
/// `spectrum_sample_limit`, `spectrum_sample_draw`, `training_samples`,
/// definitions. It is read as a step's results without errors (StepResults):
/// its measures are the alignments.
public enum SpectrumArtifact {
  public static let kind = "kernel alignment and spectrum"

  /// The kernels, in the order they are written and reported.
  public enum Kernel: String, CaseIterable, Sendable {
    case initial = "K0"
    case infinite = "K_infinite"
    case trained = "K_trained"

    public var description: String {
      switch self {
      case .initial:
        return "K0 = G Gᵀ, the finite tangent kernel of the step's layer at the step's network (features.h5)"
      case .infinite:
        return "K∞, the infinite-width tangent kernel of the step's layer (the architecture only; as "
          + "ntk-infinite-kernel)"
      case .trained:
        return "K_T = G_T G_Tᵀ, the finite tangent kernel of the step's layer after gradient descent (trained.h5)"
      }
    }
  }

  /// One kernel's numbers.
  public struct KernelResult: Sendable {
    public var kernel: Kernel
    public var alignment: KernelAlignment
    /// How the alignment was computed (for the `alignment_method` attribute).
    public var alignmentMethod: String
    /// The training samples of the alignment when a subset (ascending); nil: all of them.
    public var alignmentSubset: [Int]?
    public var spectrum: KernelSpectrum

    public init(
      kernel: Kernel, alignment: KernelAlignment, alignmentMethod: String, alignmentSubset: [Int]? = nil,
      spectrum: KernelSpectrum
    ) {
      self.kernel = kernel
      self.alignment = alignment
      self.alignmentMethod = alignmentMethod
      self.alignmentSubset = alignmentSubset
      self.spectrum = spectrum
    }
  }

  public static let sampleDraw =
    "all m training samples when m ≤ spectrum_sample_limit; otherwise the first spectrum_sample_limit of numpy's "
    + "RandomState(spectrum_seed).permutation(m), sorted ascending"

  public static let alignmentDefinition =
    "A = yᵀKy / (‖K‖_F ‖y‖²); centred (Cortes, Mohri & Rostamizadeh 2012): A_c = y_cᵀ K_c y_c / (‖K_c‖_F ‖y_c‖²), "
    + "K_c = HKH, y_c = Hy, H = I − 11ᵀ/m; y the ±1 training labels"

  public static let spectrumDefinition =
    "eigenvalues λ_k of K/n on the n spectrum_samples (LAPACK dsytrd, dormtr, dstevr), descending, unit "
    + "eigenvectors v_k; target_power (v_kᵀy)²/‖y‖² with y the labels of those samples (within a repeated "
    + "eigenvalue the split is arbitrary; the cumulative sum at the group's end is not)"

  /// The measures a step reports (StepResults): each kernel's alignment and centred alignment.
  static func measures(of file: HDF5File) throws -> [(name: String, value: Double)] {
    guard case .strings(let kernels) = try file.attribute("kernels") else {
      throw HDF5Error(file: file.path, "attribute 'kernels' is not a list of kernel names")
    }
    return try kernels.flatMap { kernel in
      [
        ("alignment_\(kernel)", try file.number("alignment", of: "/kernels/\(kernel)")),
        ("centred_alignment_\(kernel)", try file.number("centred_alignment", of: "/kernels/\(kernel)")),
      ]
    }
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, trainingSamples: Int,
    spectrumSamples: [Int], sampleLimit: Int, seed: Int, kernels: [KernelResult], inside: () throws -> Void = {}
  ) throws {
    try AtomicOutput.write(to: path, inside: inside) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "Kernel–target alignment and spectrum of the step's kernels (layer \(layer)) on its training set.")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "kernels": .strings(kernels.map(\.kernel.rawValue)),
        "training_samples": .integer(Int64(trainingSamples)),
        "spectrum_sample_limit": .integer(Int64(sampleLimit)),
        "spectrum_seed": .integer(Int64(seed)),
        "spectrum_sample_draw": .string(sampleDraw),
        "alignment_definition": .string(alignmentDefinition),
        "spectrum_definition": .string(spectrumDefinition),
      ])
      try file.write(spectrumSamples.map(Int64.init), shape: [spectrumSamples.count], to: "/spectrum_samples")
      try file.setAttribute(
        "description", .string("the training samples (row indices) of the spectra, n of them: \(sampleDraw)"),
        on: "/spectrum_samples")
      for result in kernels {
        let group = "/kernels/\(result.kernel.rawValue)"
        try file.createGroup(group)
        let a = result.alignment
        try file.setAttributes(
          [
            "description": .string(result.kernel.description),
            "alignment": .double(a.uncentred),
            "centred_alignment": .double(a.centred),
            "target_quadratic": .double(a.targetQuadratic),
            "frobenius_norm": .double(a.frobeniusNorm),
            "centred_target_quadratic": .double(a.centredTargetQuadratic),
            "centred_frobenius_norm": .double(a.centredFrobeniusNorm),
            "alignment_sample_count": .integer(Int64(a.samples)),
            "alignment_method": .string(result.alignmentMethod),
          ], on: group)
        let s = result.spectrum
        let series: [(String, [Double], String)] = [
          ("eigenvalues", s.eigenvalues, "λ_k, the eigenvalues of K/n on the spectrum_samples, descending"),
          ("target_power", s.targetPower, "(v_kᵀy)²/‖y‖², the labels' share in eigendirection k"),
          ("cumulative_target_power", s.cumulativeTargetPower, "Σ_{j≤k} (v_jᵀy)²/‖y‖²"),
        ]
        for (name, values, description) in series {
          try file.write(values, shape: [values.count], to: "\(group)/\(name)")
          try file.setAttribute("description", .string(description), on: "\(group)/\(name)")
        }
        if let subset = result.alignmentSubset {
          try file.write(subset.map(Int64.init), shape: [subset.count], to: "\(group)/alignment_samples")
          try file.setAttribute(
            "description",
            .string(
              "the training samples of the alignment, a seeded subset (the first of the spectrum_seed permutation, "
                + "ascending): K∞ of all m samples is above the kernel memory limit"),
            on: "\(group)/alignment_samples")
        }
      }
    }
  }
}
