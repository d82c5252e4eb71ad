import ArgumentParser
import Foundation
import ImportStage
import StageCLI

struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ntk-import",
    abstract:
      "Import a labelled data set as a ground-truth file: a binary task from two sets of labels, a seeded "
      + "train/test split, standardized inputs of norm √d.",
    discussion: """
      Formats, by extension: .h5/.hdf5 (datasets --inputs-name, n × d, and --labels-name, n numbers or strings), \
      .npz (arrays of those names), .npy (the inputs; --labels names the labels' .npy file), .csv (a header row; \
      the column --labels-name holds the labels, every other column is a feature). Labels match the values of \
      --positive and --negative as numbers when they are numbers (1, 1.0 and "1" are the same), else as text.
      """)

  @Option(help: "The data set: .h5, .hdf5, .npz, .npy or .csv.") var data: String
  @Option(help: "The labels' .npy file (only with a .npy --data).") var labels: String?
  @Option(help: "The inputs' dataset (HDF5) or array (.npz).") var inputsName = "X"
  @Option(help: "The labels' dataset (HDF5), array (.npz) or column (CSV).") var labelsName = "y"
  @Option(help: "Label values of the positive class (+1), comma-separated, e.g. 1,3,5,7,9 or malignant.")
  var positive: LabelValues
  @Option(help: "Label values of the negative class (−1), comma-separated.") var negative: LabelValues
  @Option(name: .customLong("train"), help: "Training samples m (default: every kept sample not in the test set).")
  var trainSamples: Int?
  @Option(name: .customLong("test"), help: "Test samples m_test.") var testSamples: Int?
  @Option(help: "The test set as a fraction of the kept samples (default 0.25 unless --test is given).")
  var testFraction: Double?
  @Option(help: "Seed of the split (numpy's legacy RandomState(seed).permutation); make's SPLIT_SEED, TEACHER_SEED.")
  var splitSeed: UInt32 = 124
  @Flag(inversion: .prefixedNo, help: "Standardize each feature with the training set's mean and deviation.")
  var standardize = true
  @Flag(inversion: .prefixedNo, help: "Scale each sample to norm √d (after standardizing).")
  var normalize = true
  @OptionGroup var output: OutputOptions
  @OptionGroup var logging: LogOptions

  func validate() throws {
    guard let format = DataFormat(path: data) else {
      throw ValidationError("\(data): unknown extension; expected .h5, .hdf5, .npz, .npy or .csv")
    }
    if format == .npy, labels == nil {
      throw ValidationError(
        "\(data): labels: a .npy file holds the inputs only; give the labels' .npy file with --labels "
          + "(DATA_LABELS under make)")
    }
    if let labels {
      guard format == .npy else {
        throw ValidationError(
          "\(data): labels: this file holds its labels (\(labelsName), --labels-name, LABELS_NAME under make); "
            + "--labels \(labels) (DATA_LABELS) is only for a .npy file of inputs")
      }
      guard DataFormat(path: labels) == .npy else {
        throw ValidationError("\(labels): labels: --labels (DATA_LABELS) takes a .npy file")
      }
    }
    if let trainSamples, trainSamples <= 0 { throw ValidationError("--train must be positive, got \(trainSamples)") }
    if let testSamples, testSamples <= 0 { throw ValidationError("--test must be positive, got \(testSamples)") }
    if testSamples != nil, testFraction != nil { throw ValidationError("give --test or --test-fraction, not both") }
    if let testFraction, !(testFraction > 0 && testFraction < 1) {
      throw ValidationError("--test-fraction must be between 0 and 1, got \(testFraction)")
    }
  }

  func run() throws {
    let stage = ImportData(
      source: data, format: DataFormat(path: data)!, labelsFile: labels, inputsName: inputsName,
      labelsName: labelsName, task: BinaryTask(positive: positive.values, negative: negative.values),
      trainSamples: trainSamples, testSize: testSamples.map { .count($0) } ?? .fraction(testFraction ?? 0.25),
      seed: splitSeed, standardize: standardize, normalize: normalize)
    try stage.run(output: output.output, log: logging.log(for: Self.self))
  }
}

/// Label values, "1,3,5" or "malignant": non-empty, separated by commas.
struct LabelValues: ExpressibleByArgument {
  var values: [String]

  init?(argument: String) {
    values = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else { return nil }
  }

  static var defaultValueDescription: String { "label values separated by commas" }
}
