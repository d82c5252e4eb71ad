import Foundation
import HDF5IO
import NTKMath

/// The ground truth: inputs x ~ N(0, I_d), a random teacher network and its
/// labels y = sgn(f*(x)) (ntk-truth); or an imported data set (ntk-import).
///
///     /inputs/train   m × d        /labels/train   m       (±1)
///     /inputs/test    m_test × d   /labels/test    m_test  (±1)
///     /teacher/W1 … /teacher/u     the teacher (see NetworkSchema); not in an imported truth
///
/// An imported truth has no teacher: no /teacher group and no `seed`,
/// `teacher_hidden_widths` or `input_seeds` attributes. It records its source
/// instead (`source_file`, `source_sha256`, …) and its split's seed,
/// `split_seed`, which `seed()` returns in place of the teacher's.
public struct TruthArtifact: Artifact {
  public static let kind = "ground truth"
  public let file: HDF5File
  public let inputDimension: Int
  public let sampleCounts: [Split: Int]

  /// Opens and checks a ground-truth file: shapes agree, and agree with the
  /// file's content digest (a reader may use the sample counts without reading
  /// the inputs); inputs and labels are float64 (labels are checked to be ±1 as
  /// they are read).
  public init(path: String) throws {
    file = try HDF5File.open(path)
    try file.expectArtifact(Self.kind)
    let train = try file.dataset("/inputs/train", rank: 2)
    inputDimension = train.shape[1]
    var counts: [Split: Int] = [:]
    for split in Split.allCases {
      let inputs = try file.dataset("/inputs/\(split)", rank: 2)
      try inputs.expectElements(Double.self)
      try inputs.expect(
        shape: [inputs.shape[0], inputDimension], "samples × d, d = \(inputDimension) as in /inputs/train")
      guard inputs.shape[0] > 0 else { throw HDF5Error(file: path, object: inputs.name, "has no samples") }
      counts[split] = inputs.shape[0]
      // The labels' shape and type now, their values as they are read: a stage refuses before any work.
      try file.labelDataset("/labels/\(split)", count: inputs.shape[0]).expectElements(Double.self)
    }
    try file.checkDatasetShapes()
    sampleCounts = counts
  }

  public func inputs(_ split: Split) throws -> HDF5Dataset { try file.dataset("/inputs/\(split)", rank: 2) }

  public func labels(_ split: Split) throws -> [Double] {
    try file.readLabels("/labels/\(split)", count: sampleCounts[split])
  }

  /// True for a data set imported by ntk-import (no teacher).
  public var isImported: Bool { (try? file.attribute("source_sha256")) != nil }

  /// The labels of a split as a dataset, to read in blocks of rows in order
  /// (HDF5Dataset.readLabels; the content digest is checked after the last row).
  public func labelDataset(_ split: Split) throws -> HDF5Dataset {
    try file.labelDataset("/labels/\(split)", count: sampleCounts[split])
  }

  /// The seed of the teacher (and, in the notebook's order, of the inputs);
  /// for an imported data set, the seed of its train/test split.
  public func seed() throws -> Int { try file.integer(isImported ? "split_seed" : "seed") }

  /// An imported data set's name: its source file's name without folder and extension (of the inputs' file,
  /// for a .npy pair); empty for a teacher's truth.
  public func dataSetName() throws -> String {
    guard isImported else { return "" }
    var source = try file.string("source_file")
    if try file.string("source_format") == "npy", let space = source.lastIndex(of: " ") {
      source = String(source[..<space])
    }
    return URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
  }

  /// The teacher's hidden widths; none for an imported data set.
  public func teacherWidths() throws -> [Int] { isImported ? [] : try file.integers("teacher_hidden_widths") }

  /// Writes a ground-truth file atomically. `inputs(split)` gives the samples
  /// in blocks as (first row, block, the teacher's labels of the block) to `emit`.
  public static func write(
    to path: String, provenance: Provenance, teacher: ReLUNetwork, sampleCounts: [Split: Int],
    inputs: (Split, (Int, Matrix, [Double]) throws -> Void) throws -> Void
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(
        to: file, artifact: kind,
        description:
          "Inputs x ~ N(0, I_d) (samples × d), a random ReLU teacher f*, and labels y = sgn(f*(x)) (+1 if f*(x) "
          + "> 0 else −1)."
      )
      for split in Split.allCases {
        let count = sampleCounts[split]!
        let x = try file.createDataset("/inputs/\(split)", of: Double.self, shape: [count, teacher.inputDimension])
        try file.setAttribute("description", .string("\(split) inputs, one sample per row"), on: x.name)
        let y = try file.createDataset("/labels/\(split)", of: Double.self, shape: [count])
        try file.setAttribute("description", .string("sgn(f*(x)) of the \(split) inputs: +1 or −1"), on: y.name)
        try inputs(split) { start, block, labels in
          try x.writeRows(block.values, at: start)
          try y.writeRows(labels, at: start)
        }
      }
      try NetworkSchema.write(
        teacher, to: file, group: "/teacher", description: "the teacher network f* that labels the data")
    }
  }

  /// Writes the truth of an imported data set atomically: the samples of each
  /// split (rows of `inputs`, ±1 `labels`), no teacher; `more` adds datasets
  /// (the split's rows in the source, the preprocessing).
  public static func writeImported(
    to path: String, provenance: Provenance, description: String, inputs: [Split: Matrix],
    labels: [Split: [Double]], more: (HDF5File) throws -> Void
  ) throws {
    try AtomicOutput.write(to: path) { file in
      try provenance.write(to: file, artifact: kind, description: description)
      for split in Split.allCases {
        let x = try file.write(inputs[split]!.values, shape: inputs[split]!.shape, to: "/inputs/\(split)")
        try file.setAttribute(
          "description", .string("\(split) inputs, one sample per row, after the preprocessing"), on: x.name)
        let y = try file.write(labels[split]!, shape: [labels[split]!.count], to: "/labels/\(split)")
        try file.setAttribute(
          "description", .string("labels of the \(split) samples: +1 (positive classes) or −1 (negative classes)"),
          on: y.name)
      }
      try more(file)
    }
  }
}
