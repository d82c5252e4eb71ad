import ArgumentParser
import StageCLI
import TruthStage

struct TruthCommand: ThreadedCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-truth",
    abstract: "Draw inputs x ~ N(0, I_d) and a random ReLU teacher, and label the inputs with sgn(f*(x)).")

  @OptionGroup(title: "The teacher (--widths: its hidden widths)") var shape: NetworkShapeOptions
  @Option(name: .customLong("train"), help: "Training samples m.") var trainSamples = 100
  @Option(name: .customLong("test"), help: "Test samples m_test.") var testSamples = 100_000
  @Option(help: "Seed of numpy's legacy generator, 0 ≤ seed < 2³².") var seed: UInt32 = 124
  @Option(
    help: """
      Seeds of the training and of the test inputs, e.g. 1124,2124: the teacher alone comes from --seed, and each \
      input set from its own seed, sample by sample (default: everything from --seed in the notebook's order).
      """)
  var inputSeeds: SeedPair?
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions
  @OptionGroup var threadOptions: ThreadOptions

  func validate() throws {
    guard trainSamples > 0, testSamples > 0 else { throw ValidationError("--train and --test must be positive") }
  }

  func run() throws {
    let stage = GenerateTruth(
      inputDimension: shape.inputDimension, trainSamples: trainSamples, testSamples: testSamples,
      teacherWidths: shape.hiddenWidths, seed: seed, inputSeeds: inputSeeds.map { ($0.first, $0.second) })
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}
