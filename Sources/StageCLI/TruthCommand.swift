import ArgumentParser
import Stages

public struct TruthCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "ntk-truth",
    abstract: "Draw inputs x ~ N(0, I_d) and a random ReLU teacher, and label the inputs with sgn(f*(x)).")

  @Option(name: .customLong("dim"), help: "Input dimension d.") var inputDimension = 25
  @Option(name: .customLong("train"), help: "Training samples m.") var trainSamples = 100
  @Option(name: .customLong("test"), help: "Test samples m_test.") var testSamples = 100_000
  @Option(help: "The teacher's hidden widths, comma-separated (default: d,d).") var widths: String?
  @Option(help: "Seed of numpy's legacy generator, 0 ≤ seed < 2³².") var seed: UInt32 = 124
  @Option(help: "Seeds of the training and of the test inputs, e.g. 1124,2124: the teacher alone comes from --seed, and each input set from its own seed, sample by sample (default: everything from --seed in the notebook's order).")
  var inputSeeds: String?
  @OptionGroup var output: OutputOptions

  public init() {}

  public func validate() throws {
    guard inputDimension > 0 else { throw ValidationError("--dim must be positive") }
    guard trainSamples > 0, testSamples > 0 else { throw ValidationError("--train and --test must be positive") }
    _ = try parseWidths(widths ?? "")
    _ = try seeds()
  }

  /// --input-seeds as (train, test).
  func seeds() throws -> (train: UInt32, test: UInt32)? {
    guard let inputSeeds else { return nil }
    let parts = inputSeeds.split(separator: ",").map { UInt32($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let train = parts[0], let test = parts[1] else {
      throw ValidationError("--input-seeds takes two seeds separated by a comma, got '\(inputSeeds)'")
    }
    return (train, test)
  }

  public func run() throws {
    let stage = GenerateTruth(
      inputDimension: inputDimension, trainSamples: trainSamples, testSamples: testSamples,
      teacherWidths: try widths.map(parseWidths) ?? [inputDimension, inputDimension], seed: seed,
      inputSeeds: try seeds())
    try stage.run(output: output.output, log: output.log("ntk-truth"))
  }
}
