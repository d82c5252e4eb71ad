import Artifacts
import LegacyRandom
import NTKMath

/// Stage 1: draw the inputs and a teacher network and label the inputs.
///
/// numpy's draw order from one seed: X = randn(d, m), X_test = randn(d, m_test)
/// (one column per sample), then the teacher's W1 … WL and u.
public struct GenerateTruth: Sendable {
  public var inputDimension: Int
  public var trainSamples: Int
  public var testSamples: Int
  public var teacherWidths: [Int]
  public var seed: UInt32

  public init(inputDimension: Int, trainSamples: Int, testSamples: Int, teacherWidths: [Int], seed: UInt32) {
    self.inputDimension = inputDimension
    self.trainSamples = trainSamples
    self.testSamples = testSamples
    self.teacherWidths = teacherWidths
    self.seed = seed
  }

  public func run(output: String, log: StageLog) throws {
    let d = inputDimension
    var generator = LegacyGenerator(seed: seed)
    let counts: [Split: Int] = [.train: trainSamples, .test: testSamples]
    // numpy's X is d × m: the first m draws are feature 0 of every sample.
    let drawn = Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0, generator.normals(count: d * counts[$0]!)) })
    let teacher = ReLUNetwork(layers: generator.drawLayers(inputDimension: d, widths: teacherWidths))
    let provenance = Provenance(program: "ntk-truth", parameters: [
      ("input_dimension", .integer(Int64(d))),
      ("train_samples", .integer(Int64(trainSamples))),
      ("test_samples", .integer(Int64(testSamples))),
      ("teacher_hidden_widths", .integers(teacherWidths.map(Int64.init))),
      ("seed", .integer(Int64(seed))),
      ("generator", .string("numpy legacy RandomState (MT19937, init_genrand seeding, polar-method randn)")),
    ])
    try TruthArtifact.write(to: output, provenance: provenance, teacher: teacher, sampleCounts: counts) { split, emit in
      let raw = drawn[split]!
      let count = counts[split]!
      let progress = Progress(log, "\(split) inputs and labels", total: count)
      var start = 0
      while start < count {
        let end = min(start + streamingBlockRows, count)
        var block = Matrix(rows: end - start, columns: d)
        for s in start..<end {
          for i in 0..<d { block[s - start, i] = raw[i * count + s] }
        }
        try emit(start, block)
        progress.advance(by: block.rows)
        start = end
      }
      progress.finish()
    }
  }
}
