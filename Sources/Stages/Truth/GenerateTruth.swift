import Artifacts
import LegacyRandom
import NTKMath
import StageSupport

/// Stage 1: draw the inputs and a teacher network and label the inputs.
///
/// The notebook's draws, from one seed: X = randn(d, m), X_test = randn(d, m_test)
/// (one column per sample), then the teacher's W1 … WL and u — so the teacher
/// changes with m. With `inputSeeds` (train, test) the teacher comes alone
/// from `seed` and each input set from its own seed, sample by sample
/// (randn(m, d)): the teacher and the test set stay fixed as m grows, and the
/// training sets are nested — what a learning curve needs.
public struct GenerateTruth: Sendable {
  public var inputDimension: Int
  public var trainSamples: Int
  public var testSamples: Int
  public var teacherWidths: [Int]
  public var seed: UInt32
  public var inputSeeds: (train: UInt32, test: UInt32)?

  public init(
    inputDimension: Int, trainSamples: Int, testSamples: Int, teacherWidths: [Int], seed: UInt32,
    inputSeeds: (train: UInt32, test: UInt32)? = nil
  ) {
    self.inputDimension = inputDimension
    self.trainSamples = trainSamples
    self.testSamples = testSamples
    self.teacherWidths = teacherWidths
    self.seed = seed
    self.inputSeeds = inputSeeds
  }

  public func run(output: String, log: StageLog) throws {
    let d = inputDimension
    var generator = LegacyGenerator(seed: seed)
    let counts: [Split: Int] = [.train: trainSamples, .test: testSamples]
    let drawn: [Split: [Double]]
    if let inputSeeds {
      var train = LegacyGenerator(seed: inputSeeds.train), test = LegacyGenerator(seed: inputSeeds.test)
      drawn = [.train: train.normals(count: d * trainSamples), .test: test.normals(count: d * testSamples)]
    } else {
      drawn = Dictionary(uniqueKeysWithValues: Split.allCases.map { ($0, generator.normals(count: d * counts[$0]!)) })
    }
    let teacher = ReLUNetwork(layers: generator.drawLayers(inputDimension: d, widths: teacherWidths))
    let provenance = try Provenance(
      program: "ntk-truth",
      parameters: [
        ("input_dimension", .integer(Int64(d))),
        ("train_samples", .integer(Int64(trainSamples))),
        ("test_samples", .integer(Int64(testSamples))),
        ("teacher_hidden_widths", .integers(teacherWidths.map(Int64.init))),
        ("seed", .integer(Int64(seed))),
        ("input_seeds", .integers(inputSeeds.map { [Int64($0.train), Int64($0.test)] } ?? [])),
        (
          "draws",
          .string(
            inputSeeds == nil
              ? "from seed: X = randn(d, m), X_test = randn(d, m_test), then the teacher (numpy's order; one "
                + "column per sample)"
              : "teacher from seed; X = randn(m, d) from input_seeds[0], X_test = randn(m_test, d) from input_seeds[1]")
        ),
        ("generator", .string("numpy legacy RandomState (MT19937, init_genrand seeding, polar-method randn)")),
      ])
    try TruthArtifact.write(to: output, provenance: provenance, teacher: teacher, sampleCounts: counts) { split, emit in
      let raw = drawn[split]!
      let count = counts[split]!
      let progress = Progress(log, "\(split) inputs and labels", total: count)
      var start = 0
      while start < count {
        let end = min(start + streamingBlockRows(rowLength: max(d, teacherWidths.max() ?? 0)), count)
        var block = Matrix(rows: end - start, columns: d)
        for s in start..<end {
          // numpy's X is d × m (the first m draws are feature 0 of every sample) unless drawn by sample.
          for i in 0..<d { block[s - start, i] = inputSeeds == nil ? raw[i * count + s] : raw[s * d + i] }
        }
        try emit(start, block)
        progress.advance(by: block.rows)
        start = end
      }
      progress.finish()
    }
  }
}
