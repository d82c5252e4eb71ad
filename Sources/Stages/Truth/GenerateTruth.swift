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
    // Sample-major blocks of each split's inputs, never the whole matrix.
    var blocks: [Split: InputBlocks]
    if let inputSeeds {
      blocks = [
        .train: InputBlocks(sampleMajor: LegacyGenerator(seed: inputSeeds.train), dimension: d),
        .test: InputBlocks(sampleMajor: LegacyGenerator(seed: inputSeeds.test), dimension: d),
      ]
    } else {
      blocks = [:]
      for split in Split.allCases {
        blocks[split] = InputBlocks(
          featureMajor: TransposedNormals(&generator, rows: d, columns: counts[split]!), dimension: d)
      }
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
      let count = counts[split]!
      let progress = Progress(log, "\(split) inputs and labels", total: count)
      let rows = streamingBlockRows(rowLength: max(d, teacherWidths.max() ?? 0))
      // Drawn in order (one random stream), labelled side by side, written in order.
      try Parallel.pipeline(
        (count + rows - 1) / rows,
        produce: { b in blocks[split]!.next(samples: min(rows, count - b * rows)) },
        work: { x in (x, teacher.predict(x)) },
        consume: { b, labelled in
          try emit(b * rows, labelled.0, labelled.1)
          progress.advance(by: labelled.0.rows)
        })
      progress.finish()
    }
  }
}

/// The inputs of one split, drawn block by block in numpy's order: the
/// notebook's randn(d, m), whose first m draws are feature 0 of every sample
/// (`featureMajor`), or randn(m, d) from the split's own seed, one sample after
/// the other (`sampleMajor`).
struct InputBlocks {
  private var featureMajor: TransposedNormals?
  private var sampleMajor: LegacyGenerator?
  private let dimension: Int

  init(featureMajor: TransposedNormals, dimension: Int) {
    (self.featureMajor, self.dimension) = (featureMajor, dimension)
  }

  init(sampleMajor: LegacyGenerator, dimension: Int) {
    (self.sampleMajor, self.dimension) = (sampleMajor, dimension)
  }

  /// The next `samples` samples (samples × d).
  mutating func next(samples: Int) -> Matrix {
    if featureMajor != nil {
      return Matrix(rows: samples, columns: dimension, values: featureMajor!.next(columns: samples))
    }
    return Matrix(rows: samples, columns: dimension, values: sampleMajor!.normals(count: samples * dimension))
  }
}
