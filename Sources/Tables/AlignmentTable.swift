import Artifacts
import Foundation

/// The run's alignment table, beside its results table (which stays as it
/// is): one row per step and kernel, from the steps' spectrum artifacts.
///
///     alignment.csv   step,kernel,alignment,centred_alignment,samples
///     alignment.md    the same as a Markdown table (four decimals)
public struct AlignmentTable: Sendable {
  public var csv = CSVTable(columns: ["step", "kernel", "alignment", "centred_alignment", "samples"])
  public var markdown = MarkdownTable(headers: ["step", "kernel", "alignment", "centred alignment", "samples"])

  public init() {}

  /// Adds a step's kernels, in order.
  public mutating func append(step: String, kernels: [SpectrumArtifact.KernelResult]) {
    for result in kernels {
      let a = result.alignment
      csv.append([step, result.kernel.rawValue, format(a.uncentred), format(a.centred), "\(a.samples)"])
      markdown.append([
        step, result.kernel.rawValue, String(format: "%.4f", a.uncentred), String(format: "%.4f", a.centred),
        "\(a.samples)",
      ])
    }
  }
}
