import HDF5IO
import NTKMath

/// The trained baseline of one step: the step's starting network with the
/// step's layer(s) trained by full-batch gradient descent on the mean
/// logistic loss, every other layer fixed:
///
///     /network/...                         the network with θ_T (see NetworkSchema)
///     /trajectory/step                     k        the recorded steps t: 0, 1, 2, 4, 8, …, T
///     /trajectory/loss                     k        L(θ_t) on the training set
///     /trajectory/train_error              k        0-1 error on the training set
///     /trajectory/test_error               k        0-1 error on the test set
///     /trajectory/relative_weight_change   k        ‖θ_t − θ0‖_F / ‖θ0‖_F over the trained layer(s)
///     /errors/...                                   the model net_trained at T (see ModelErrors)
///
/// Root attributes: `steps` (T), `learning_rate` (η), `learning_rate_rule`,
/// `lambda_max`, `lambda_max_method` and `lambda_max_details` (of K0, when η is automatic),
/// `kernel_distance` (between the
/// training-set tangent kernels at θ0 and θ_T) and `kernel_distance_samples`.
/// It is read as a step's results (StepResults).
public enum TrainedNetworkArtifact {
  public static let kind = "trained network"

  /// The recorded points of a run of gradient descent.
  public struct Trajectory: Sendable {
    public var steps: [Int] = []
    public var loss: [Double] = []
    public var trainError: [Double] = []
    public var testError: [Double] = []
    public var relativeWeightChange: [Double] = []

    public init() {}
  }

  /// How the network was trained, and how far its tangent kernel moved.
  public struct Training: Sendable {
    public var steps: Int
    public var learningRate: Double
    /// λ_max(K0) when η was m / λ_max(K0); nil when η was given.
    public var lambdaMax: Double?
    public var kernelDistance: Double
    public var kernelDistanceSamples: Int
    /// How λ_max was computed, `gram` (Gᵀ G) or `lanczos`; nil when η was given.
    public var lambdaMaxMethod: String?
    /// The method's details: the matrix decomposed, or Lanczos's iterations and residual; nil when η was given.
    public var lambdaMaxDetails: String?

    public init(
      steps: Int, learningRate: Double, lambdaMax: Double?, kernelDistance: Double, kernelDistanceSamples: Int,
      lambdaMaxMethod: String? = nil, lambdaMaxDetails: String? = nil
    ) {
      self.steps = steps
      self.learningRate = learningRate
      self.lambdaMax = lambdaMax
      self.kernelDistance = kernelDistance
      self.kernelDistanceSamples = kernelDistanceSamples
      self.lambdaMaxMethod = lambdaMaxMethod
      self.lambdaMaxDetails = lambdaMaxDetails
    }
  }

  /// The trained network of a file, with the file (checked to be a trained network artifact).
  public static func read(path: String) throws -> (file: HDF5File, network: ReLUNetwork) {
    let file = try HDF5File.open(path)
    try file.expectArtifact(kind)
    return (file, try NetworkSchema.read(from: file))
  }

  /// How far training moved: ‖θ_T − θ0‖_F/‖θ0‖_F and the kernel distance.
  static func measures(of file: HDF5File) throws -> [(name: String, value: Double)] {
    let change = try file.dataset("/trajectory/relative_weight_change", rank: 1).readVector()
    guard let last = change.last else {
      throw HDF5Error(file: file.path, object: "/trajectory/relative_weight_change", "is empty")
    }
    return [("relative_weight_change", last), ("kernel_distance", try file.number("kernel_distance"))]
  }

  public static func write(
    to path: String, provenance: Provenance, layer: String, layerLabel: String, network: ReLUNetwork,
    training: Training, trajectory: Trajectory
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description: "The step's network with layer \(layer) trained by full-batch gradient descent on the mean "
          + "logistic loss (1/m) Σ log(1 + exp(−y f(x))), the other layers fixed: θ_{t+1} = θ_t − η ∇L(θ_t).")
      try file.setAttributes([
        "layer": .string(layer),
        "layer_label": .string(layerLabel),
        "steps": .integer(Int64(training.steps)),
        "learning_rate": .double(training.learningRate),
        "learning_rate_rule": .string(
          training.lambdaMax == nil ? "given" : "auto: m / lambda_max, the training-set tangent kernel K0 at θ0"),
        "kernel_distance": .double(training.kernelDistance),
        "kernel_distance_samples": .integer(Int64(training.kernelDistanceSamples)),
        "kernel_distance_definition": .string(
          "1 − ⟨K0, K_T⟩_F / (‖K0‖_F ‖K_T‖_F), the tangent kernels of the trained layer(s) at θ0 and θ_T on the "
            + "first kernel_distance_samples training samples"),
      ])
      if let lambdaMax = training.lambdaMax { try file.setAttribute("lambda_max", .double(lambdaMax)) }
      if let method = training.lambdaMaxMethod { try file.setAttribute("lambda_max_method", .string(method)) }
      if let details = training.lambdaMaxDetails { try file.setAttribute("lambda_max_details", .string(details)) }
      let series: [(String, [Double], String)] = [
        ("loss", trajectory.loss, "L(θ_t), the mean logistic loss on the training set"),
        ("train_error", trajectory.trainError, "0-1 error of sgn(f) on the training set"),
        ("test_error", trajectory.testError, "0-1 error of sgn(f) on the test set"),
        ("relative_weight_change", trajectory.relativeWeightChange, "‖θ_t − θ0‖_F / ‖θ0‖_F over the trained layers"),
      ]
      try file.write(trajectory.steps.map(Int64.init), shape: [trajectory.steps.count], to: "/trajectory/step")
      try file.setAttribute(
        "description", .string("the recorded steps t: 0, 1, 2, 4, 8, …, T"), on: "/trajectory/step")
      for (name, values, description) in series {
        try file.write(values, shape: [values.count], to: "/trajectory/\(name)")
        try file.setAttribute("description", .string(description), on: "/trajectory/\(name)")
      }
      let last = trajectory.steps.count - 1
      try ModelErrors.write(
        [
          ModelResult(
            model: .netTrained, trainError: trajectory.trainError[last], testError: trajectory.testError[last])
        ],
        to: file)
      try NetworkSchema.write(network, to: file, description: "the network with layer \(layer) trained (θ_T)")
    }
  }
}
