import Artifacts

/// The parameters of a sweep point other than its teacher seed: the points
/// that share them differ only in the teacher (and its data), and their
/// errors are averaged.
public struct SweepParameters: Hashable, Sendable {
  /// The steps of the point, in order (LAYERS), e.g. ["W", "V", "u"] or ["all"].
  public var layers: [String]
  /// The seed of each step's initial network (INIT_SEEDS).
  public var initSeeds: [Int]
  /// The input dimension d.
  public var inputDimension: Int
  /// The teacher's hidden widths.
  public var teacherWidths: [Int]
  /// The training samples M.
  public var trainSamples: Int
  /// The test samples M_test.
  public var testSamples: Int
  /// The student's hidden widths.
  public var widths: [Int]
  /// The imported data set's name (TruthArtifact.dataSetName); empty with a teacher.
  public var dataSet: String

  public init(
    layers: [String], initSeeds: [Int], inputDimension: Int, teacherWidths: [Int], trainSamples: Int,
    testSamples: Int, widths: [Int], dataSet: String = ""
  ) {
    self.layers = layers
    self.initSeeds = initSeeds
    self.inputDimension = inputDimension
    self.teacherWidths = teacherWidths
    self.trainSamples = trainSamples
    self.testSamples = testSamples
    self.widths = widths
    self.dataSet = dataSet
  }
}

/// The errors of one model at one step of one sweep point.
public struct SweepRow: Equatable, Sendable {
  public var parameters: SweepParameters
  public var teacherSeed: Int
  public var step: String
  public var result: ModelResult
  /// The solver of the SVM the model is or takes its layer from (SweepReport.solverName).
  public var solver: String

  public init(
    parameters: SweepParameters, teacherSeed: Int, step: String, result: ModelResult,
    solver: String = SweepReport.noSolver
  ) {
    self.parameters = parameters
    self.teacherSeed = teacherSeed
    self.step = step
    self.result = result
    self.solver = solver
  }
}

extension SweepReport {
  /// The column `solver` of a model that no SVM gave: net_init (θ0), net_trained (gradient descent),
  /// krr_infinite (kernel ridge regression).
  public static let noSolver = "none"
  /// The column `solver` where the result file does not say (written before it was recorded) or says
  /// something unknown here.
  public static let unknownSolver = "unknown"

  /// The short name of an SVM's training path, from its `solved_from` (or, for a baseline that does not
  /// record one, its `solver`): `libsvm-kernel` (libsvm on the precomputed kernel), `libsvm-linear`
  /// (libsvm's linear kernel on the feature rows), `linear` (the linear-time dual coordinate descent),
  /// `unknown` (nil, or none of these).
  public static func solverName(_ solvedFrom: String?) -> String {
    guard let text = solvedFrom?.lowercased() else { return unknownSolver }
    if text.contains("linear solver") || text.contains("dual coordinate descent") { return "linear" }
    if text.contains("linear kernel") { return "libsvm-linear" }
    if text.contains("precomputed") { return "libsvm-kernel" }
    return unknownSolver
  }

  /// Whether a model's errors come from an SVM (or from θc, its weights): every model but net_init,
  /// net_trained and krr_infinite (kernel ridge regression).
  static func comesFromSVM(_ model: Model) -> Bool { ![.netInit, .netTrained, .krrInfinite].contains(model) }
}

/// A number other than an error that a step of a sweep point measured (the
/// trained baseline's relative weight change and kernel distance).
public struct SweepMeasure: Equatable, Sendable {
  public var parameters: SweepParameters
  public var teacherSeed: Int
  public var step: String
  public var name: String
  public var value: Double
}
