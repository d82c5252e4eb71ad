import ArgumentParser
import GradientDescentStage
import NTKMath
import StageCLI

/// η: a positive number, or "auto" (m / λ_max of the training-set tangent kernel at θ0).
struct LearningRate {
  var value: Double?

  static let auto = LearningRate(value: nil)

  /// The option's value, refused with the range it must lie in (a number ≤ 0, or not finite).
  static func parse(_ argument: String) throws -> LearningRate {
    if argument == "auto" { return .auto }
    guard let rate = Double(argument), rate > 0, rate.isFinite else {
      throw ValidationError("not auto or a positive finite number")
    }
    return LearningRate(value: rate)
  }
}

extension TangentEigenMethod: ExpressibleByArgument {}

struct GradientDescentCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-gradient-descent",
    abstract: "Train a step's layer by full-batch gradient descent on the logistic loss: the trained baseline.",
    discussion: """
      θ_{t+1} = θ_t − η ∇L(θ_t) with L(θ) = (1/m) Σ log(1 + exp(−y f(x; θ))), the other layers fixed; records \
      the trajectory at steps 0, 1, 2, 4, … and T, and the distance between the tangent kernels at θ0 and θ_T.
      """)

  @Option(help: "The ground-truth file (ntk-truth).") var truth: String
  @Option(help: "The step's student network (ntk-init): θ0.") var network: String
  @Option(help: "The layer to train: W1 … WL, u (W, V name W1, W2), or all.") var layer: String
  @Option(help: "The number of steps T ≥ 0.") var steps = 1000
  @Option(
    help: "The learning rate η: auto (m / λ_max(K0), the default) or a positive number.",
    transform: LearningRate.parse)
  var rate = LearningRate.auto
  @Option(
    help: """
      How λ_max(K0) is computed for --rate auto, without the m × m K0: gram (the largest eigenvalue of the p × p \
      Gram matrix of the tangent features, by dsyevr), lanczos (the Lanczos process on products with the features, \
      to 1e-13 relative) or auto (gram for p ≤ \(TangentKernelEigenvalue.gramFeatureLimit) features).
      """)
  var eigenMethod = TangentEigenMethod.auto
  @Option(help: "Also write the trajectory as CSV (step, loss, train_error, test_error, relative_weight_change).")
  var trajectoryCsv: String?
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard steps >= 0 else { throw ValidationError("--steps must be a whole number ≥ 0, got \(steps)") }
  }

  func run() throws {
    let stage = TrainByGradientDescent(
      truthPath: truth, networkPath: network, layer: layer, steps: steps, learningRate: rate.value,
      eigenMethod: eigenMethod)
    try stage.run(output: output.output, trajectoryCSV: trajectoryCsv, log: logging.log(for: Self.self))
  }
}
