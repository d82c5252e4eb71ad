import Foundation
import StageSupport

/// The formats ntk-import reads, told by the file's extension.
public enum DataFormat: String, CaseIterable, Sendable {
  case hdf5, npy, npz, csv

  /// The format of `path` by its extension (.h5 or .hdf5, .npy, .npz, .csv; any case), nil if unknown.
  public init?(path: String) {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "h5", "hdf5": self = .hdf5
    case "npy": self = .npy
    case "npz": self = .npz
    case "csv": self = .csv
    default: return nil
    }
  }
}

/// A labelled data set as read from its file: `samples` × `dimension` inputs
/// (row-major, finite float64) and one label per sample.
///
/// Labels are kept as text in a canonical form, so that the same class reads
/// the same from every format and on the command line: a label that is a
/// number is written as the shortest decimal of its float64 value, without a
/// fraction when it is an integer (1, 1.0 and "1" are all `1`; 0.5 is `0.5`);
/// any other label is its text (a class name such as `malignant`).
public struct LabelledData: Sendable {
  public var inputs: [Double]
  public var samples: Int
  public var dimension: Int
  public var labels: [String]

  /// Checks the shapes and that every input is finite; `inputsName` and
  /// `labelsName` name the objects in error messages.
  init(
    inputs: [Double], samples: Int, dimension: Int, labels: [String], file: String, inputsName: String,
    labelsName: String
  ) throws {
    guard samples > 0 else { throw StageError("\(file): \(inputsName): has no samples") }
    guard dimension > 0 else { throw StageError("\(file): \(inputsName): has no features (shape [\(samples), 0])") }
    guard labels.count == samples else {
      throw StageError(
        "\(file): \(labelsName): has \(labels.count) labels, but \(inputsName) has \(samples) samples "
          + "(one label per sample)"
      )
    }
    if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
      throw StageError(
        "\(file): \(inputsName): sample \(bad / dimension), feature \(bad % dimension) is \(inputs[bad]); "
          + "inputs must be finite")
    }
    self.inputs = inputs
    self.samples = samples
    self.dimension = dimension
    self.labels = labels
  }

  /// The canonical text of a numeric label (see the type's description).
  static func canonical(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
    return "\(value)"
  }

  /// The canonical text of a label given as text: numbers as numbers, anything else as it is (trimmed).
  public static func canonical(_ text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let value = Double(trimmed), value.isFinite { return canonical(value) }
    return trimmed
  }

  /// Numeric labels in canonical form, refusing NaN and ±∞.
  static func canonicalLabels(_ values: [Double], file: String, object: String) throws -> [String] {
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw StageError("\(file): \(object): label \(bad) is \(values[bad]); labels must be finite numbers or names")
    }
    return values.map { canonical($0) }
  }
}

/// Refuses a missing, unreadable or empty file, or a directory.
func requireDataFile(_ path: String) throws {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw StageError("\(path): no such file")
  }
  guard !isDirectory.boolValue else { throw StageError("\(path): is a directory, not a data file") }
  guard FileManager.default.isReadableFile(atPath: path) else { throw StageError("\(path): permission denied") }
  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
  guard size != 0 else { throw StageError("\(path): is empty") }
}

/// The whole file as bytes, refusing a missing, unreadable or empty file.
func readWholeFile(_ path: String) throws -> [UInt8] {
  try requireDataFile(path)
  guard let data = FileManager.default.contents(atPath: path) else { throw StageError("\(path): cannot be read") }
  guard !data.isEmpty else { throw StageError("\(path): is empty") }
  return [UInt8](data)
}
