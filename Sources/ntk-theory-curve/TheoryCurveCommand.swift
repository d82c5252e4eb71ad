import ArgumentParser
import NTKMath
import StageCLI
import TheoryCurveStage

struct TheoryCurveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-theory-curve",
    abstract: "The predicted test MSE of kernel ridge regression with a layer's K∞ against the training samples m.",
    discussion: """
      From the eigenvalues of K∞ on the first --samples test inputs and the labels' power in its eigenbasis, by \
      the self-consistent equations of Canatar, Bordelon & Pehlevan (2021) / eigenlearning (Simon et al. 2021), \
      for the ridge λ = r·tr(K∞)/m of ntk-infinite-kernel's krr_infinite. Only the network's architecture and \
      the layer enter.
      """)

  @Option(help: "The ground-truth file (ntk-truth): its test inputs and labels.") var truth: String
  @Option(help: "A network of the architecture (ntk-init).") var network: String
  @Option(help: "The layer: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(
    help: ArgumentHelp(
      "N, the held-out samples (THEORY_SAMPLES): the first N test samples, 2 ≤ N ≤ m_test.",
      discussion: "Default: min(\(TheoryCurve.defaultSamples), m_test), m_test the test samples of --truth."))
  var samples: Int?
  @Option(help: "The ridge of krr_infinite relative to tr(K∞)/m (KRR_RIDGE, ≥ 0).")
  var krrRidge = KernelRidgeRegression.defaultRelativeRidge
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func validate() throws {
    if let samples, samples < 2 {
      throw ValidationError("--samples (THEORY_SAMPLES) must be at least 2, got \(samples)")
    }
    guard krrRidge >= 0, krrRidge.isFinite else {
      throw ValidationError("--krr-ridge (KRR_RIDGE) must be a finite number ≥ 0, got \(krrRidge)")
    }
  }

  func run() throws {
    try TheoryCurve(truthPath: truth, networkPath: network, layer: layer, samples: samples, krrRidge: krrRidge)
      .run(output: output.output, log: logging.log(for: Self.self))
  }
}
