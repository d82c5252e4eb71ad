import HDF5IO
import StageSupport

extension LabelledData {
  /// Reads an HDF5 file: `inputsName` a 2-D numeric dataset (n × d) and
  /// `labelsName` a 1-D dataset of n numbers or strings.
  static func readHDF5(path: String, inputsName: String, labelsName: String) throws -> LabelledData {
    try requireDataFile(path)
    let file = try HDF5File.open(path)
    let x = try file.dataset(absolute(inputsName))
    guard x.shape.count == 2 else {
      throw StageError(
        "\(path): \(x.name): has \(x.shape.count) dimensions (shape \(x.shape)); expected 2 (samples × features)")
    }
    let y = try file.dataset(absolute(labelsName))
    guard y.shape.count == 1 else {
      throw StageError(
        "\(path): \(y.name): has \(y.shape.count) dimensions (shape \(y.shape)); expected 1 (a label per sample)")
    }
    let labels =
      y.holdsStrings
      ? try y.readAnyStrings().map { LabelledData.canonical($0) }
      : try canonicalLabels(try y.readNumbers(), file: path, object: y.name)
    return try LabelledData(
      inputs: try x.readNumbers(), samples: x.shape[0], dimension: x.shape[1], labels: labels, file: path,
      inputsName: x.name, labelsName: y.name)
  }

  private static func absolute(_ name: String) -> String { name.hasPrefix("/") ? name : "/" + name }
}
