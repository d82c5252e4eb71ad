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

  public init(
    layers: [String], initSeeds: [Int], inputDimension: Int, teacherWidths: [Int], trainSamples: Int,
    testSamples: Int, widths: [Int]
  ) {
    self.layers = layers
    self.initSeeds = initSeeds
    self.inputDimension = inputDimension
    self.teacherWidths = teacherWidths
    self.trainSamples = trainSamples
    self.testSamples = testSamples
    self.widths = widths
  }
}

/// The errors of one model at one step of one sweep point.
public struct SweepRow: Equatable, Sendable {
  public var parameters: SweepParameters
  public var teacherSeed: Int
  public var step: String
  public var result: ModelResult

  public init(parameters: SweepParameters, teacherSeed: Int, step: String, result: ModelResult) {
    self.parameters = parameters
    self.teacherSeed = teacherSeed
    self.step = step
    self.result = result
  }
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
