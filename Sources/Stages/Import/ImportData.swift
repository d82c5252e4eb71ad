import Artifacts
import HDF5IO
import LegacyRandom
import NTKMath
import StageSupport

/// The stage ntk-import: a user's labelled data set as a ground-truth artifact
/// (the schema of ntk-truth's, without a teacher), so that every later stage
/// runs on it unchanged.
///
/// 1. Read the file (`DataFormat`): inputs n × d, a label per sample.
/// 2. Keep the samples whose label is in the positive (+1) or negative (−1)
///    set, in file order; count the dropped ones.
/// 3. Split: p = numpy's `RandomState(seed).permutation(k)` of the k kept
///    samples; the first m_test of p are the test set, the next m the
///    training set, in that order. For one seed and m_test, a larger m only
///    adds training samples (nested training sets, a fixed test set).
/// 4. Standardize (optional, on by default): subtract each feature's mean over
///    the training set and divide by its standard deviation there (ddof 0, as
///    scikit-learn's StandardScaler; a constant feature is divided by 1).
/// 5. Normalize (optional, on by default): scale each sample to norm √d, the
///    scale of x ~ N(0, I_d) that the infinite-width kernel assumes (a zero
///    sample stays zero).
///
/// The whole data set is read into memory.
public struct ImportData: Sendable {
  /// How many test samples: a count, or a fraction of the kept samples (rounded, at least 1).
  public enum TestSize: Sendable {
    case count(Int)
    case fraction(Double)
  }

  public var source: String
  public var format: DataFormat
  /// The labels' .npy file, for format .npy.
  public var labelsFile: String?
  public var inputsName: String
  public var labelsName: String
  public var task: BinaryTask
  /// Training samples; nil: every kept sample not in the test set.
  public var trainSamples: Int?
  public var testSize: TestSize
  public var seed: UInt32
  public var standardize: Bool
  public var normalize: Bool

  public init(
    source: String, format: DataFormat, labelsFile: String?, inputsName: String, labelsName: String,
    task: BinaryTask, trainSamples: Int?, testSize: TestSize, seed: UInt32, standardize: Bool, normalize: Bool
  ) {
    self.source = source
    self.format = format
    self.labelsFile = labelsFile
    self.inputsName = inputsName
    self.labelsName = labelsName
    self.task = task
    self.trainSamples = trainSamples
    self.testSize = testSize
    self.seed = seed
    self.standardize = standardize
    self.normalize = normalize
  }

  public func run(output: String, log: StageLog) throws {
    let data: LabelledData
    switch format {
    case .hdf5: data = try .readHDF5(path: source, inputsName: inputsName, labelsName: labelsName)
    case .npy: data = try .readNPY(inputsPath: source, labelsPath: labelsFile!)
    case .npz: data = try .readNPZ(path: source, inputsName: inputsName, labelsName: labelsName)
    case .csv: data = try .readCSV(path: source, labelColumn: labelsName)
    }
    let digests = try ([source] + (labelsFile.map { [$0] } ?? [])).map { try sha256Hex(try readWholeFile($0)) }
    let d = data.dimension
    let (kept, signs) = try task.apply(to: data.labels, file: labelsFile ?? source)
    let k = kept.count
    let testCount: Int
    switch testSize {
    case .count(let count): testCount = count
    case .fraction(let fraction): testCount = max(1, Int((fraction * Double(k)).rounded()))
    }
    let trainCount = trainSamples ?? (k - testCount)
    guard trainCount > 0, testCount + trainCount <= k else {
      throw StageError(
        "\(source): \(k) samples are left after dropping \(data.samples - k) of other classes, fewer than "
          + "\(testCount) test + \(max(trainCount, 1)) training samples")
    }
    log(
      "\(data.samples) samples × \(d) features; kept \(k) (\(signs.filter { $0 > 0 }.count) positive), "
        + "\(testCount) test, \(trainCount) training")
    var generator = LegacyGenerator(seed: seed)
    let order = generator.permutation(k)
    let parts: [Split: [Int]] = [
      .test: Array(order[0..<testCount]), .train: Array(order[testCount..<(testCount + trainCount)]),
    ]
    var inputs: [Split: Matrix] = [:]
    var labels: [Split: [Double]] = [:]
    for split in Split.allCases {
      let rows = parts[split]!
      var x = Matrix(rows: rows.count, columns: d)
      for (i, position) in rows.enumerated() {
        let source = kept[position] * d
        for j in 0..<d { x[i, j] = data.inputs[source + j] }
      }
      inputs[split] = x
      labels[split] = rows.map { signs[$0] }
    }
    var mean = [Double](repeating: 0, count: d)
    var scale = [Double](repeating: 1, count: d)
    if standardize {
      (mean, scale) = Self.standardization(of: inputs[.train]!)
      for split in Split.allCases { inputs[split] = inputs[split]!.standardized(mean: mean, scale: scale) }
    }
    if normalize {
      for split in Split.allCases { inputs[split] = inputs[split]!.rowsScaled(toNorm: Double(d).squareRoot()) }
    }
    let provenance = try Provenance(
      program: "ntk-import",
      parameters: parameters(data: data, kept: k, digests: digests, counts: (trainCount, testCount)))
    try TruthArtifact.writeImported(
      to: output, provenance: provenance,
      description:
        "An imported data set (no teacher): the samples of source_file whose label is in positive_labels (+1) or "
        + "negative_labels (−1), split at random (split), preprocessed (preprocessing); inputs samples × d.",
      inputs: inputs, labels: labels
    ) { file in
      for split in Split.allCases {
        let rows = parts[split]!.map { Int64(kept[$0]) }
        let object = try file.write(rows, shape: [rows.count], to: "/split/\(split)_rows")
        try file.setAttribute(
          "description",
          .string("the source's sample (row, from 0) of each \(split) sample, in the artifact's order"), on: object.name
        )
      }
      guard standardize else { return }
      let means = try file.write(mean, shape: [d], to: "/preprocessing/mean")
      try file.setAttribute("description", .string("each feature's mean over the training set"), on: means.name)
      let scales = try file.write(scale, shape: [d], to: "/preprocessing/scale")
      try file.setAttribute(
        "description", .string("each feature's standard deviation over the training set (ddof 0; 1 where it is 0)"),
        on: scales.name)
    }
  }

  /// The provenance attributes of an imported truth.
  private func parameters(
    data: LabelledData, kept: Int, digests: [String], counts: (train: Int, test: Int)
  )
    -> [(String, HDF5AttributeValue)]
  {
    let files = [source] + (labelsFile.map { [$0] } ?? [])
    var steps: [String] = []
    if standardize { steps.append("standardized with the training set's mean and standard deviation (ddof 0)") }
    if normalize { steps.append("each sample scaled to norm √d") }
    return [
      ("input_dimension", .integer(Int64(data.dimension))),
      ("train_samples", .integer(Int64(counts.train))),
      ("test_samples", .integer(Int64(counts.test))),
      ("source_file", .string(files.joined(separator: " "))),
      ("source_sha256", .string(digests.joined(separator: " "))),
      ("source_format", .string(format.rawValue)),
      (
        "source_objects",
        .string(
          format == .csv
            ? "label column '\(labelsName)', every other column a feature"
            : format == .npy ? "inputs and labels: one array per file" : "inputs \(inputsName), labels \(labelsName)")
      ),
      ("source_samples", .integer(Int64(data.samples))),
      ("positive_labels", .strings(task.positive)),
      ("negative_labels", .strings(task.negative)),
      ("dropped_samples", .integer(Int64(data.samples - kept))),
      ("split_seed", .integer(Int64(seed))),
      (
        "split",
        .string(
          "p = numpy RandomState(split_seed).permutation(k) of the k = \(kept) kept samples (in file order); "
            + "test set: the first test_samples of p, training set: the next train_samples")
      ),
      ("standardize", .integer(standardize ? 1 : 0)),
      ("normalize", .integer(normalize ? 1 : 0)),
      ("preprocessing", .string(steps.isEmpty ? "none" : steps.joined(separator: ", then "))),
      ("teacher", .string("none: labels come from the data set, not from a teacher network")),
    ]
  }

  /// Each column's mean and standard deviation (ddof 0; 1 where it is 0).
  static func standardization(of x: Matrix) -> (mean: [Double], scale: [Double]) {
    var mean = [Double](repeating: 0, count: x.columns)
    var scale = [Double](repeating: 0, count: x.columns)
    for j in 0..<x.columns {
      var sum = 0.0
      for i in 0..<x.rows { sum += x[i, j] }
      mean[j] = sum / Double(x.rows)
      var squares = 0.0
      for i in 0..<x.rows { squares += (x[i, j] - mean[j]) * (x[i, j] - mean[j]) }
      let deviation = (squares / Double(x.rows)).squareRoot()
      scale[j] = deviation > 0 ? deviation : 1
    }
    return (mean, scale)
  }
}

extension Matrix {
  /// (x − mean) / scale, column by column.
  func standardized(mean: [Double], scale: [Double]) -> Matrix {
    var result = self
    for i in 0..<rows { for j in 0..<columns { result[i, j] = (self[i, j] - mean[j]) / scale[j] } }
    return result
  }

  /// Every row scaled to Euclidean norm `norm`; a zero row stays zero.
  func rowsScaled(toNorm norm: Double) -> Matrix {
    var result = self
    for i in 0..<rows {
      var squares = 0.0
      for j in 0..<columns { squares += self[i, j] * self[i, j] }
      guard squares > 0 else { continue }
      let factor = norm / squares.squareRoot()
      for j in 0..<columns { result[i, j] = self[i, j] * factor }
    }
    return result
  }
}
