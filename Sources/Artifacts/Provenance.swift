import Foundation
import HDF5IO

/// Where an artifact came from, written as attributes of the file's root group:
/// `program`, `program_version`, `command_line`, `created_utc`, `input_files`,
/// and one attribute per parameter.
public struct Provenance: Sendable {
  public static let version = "0.1.0"

  public var program: String
  public var parameters: [(String, HDF5AttributeValue)]
  public var inputFiles: [String]

  public init(program: String, parameters: [(String, HDF5AttributeValue)] = [], inputFiles: [String] = []) {
    self.program = program
    self.parameters = parameters
    self.inputFiles = inputFiles
  }

  public func write(to file: HDF5File, artifact: String, description: String) throws {
    let formatter = ISO8601DateFormatter()
    try file.setAttributes([
      "artifact": .string(artifact),
      "description": .string(description),
      "program": .string(program),
      "program_version": .string("ntk-pipeline \(Self.version)"),
      "command_line": .string(CommandLine.arguments.joined(separator: " ")),
      "created_utc": .string(formatter.string(from: Date())),
      "input_files": .strings(inputFiles),
    ])
    for (name, value) in parameters { try file.setAttribute(name, value) }
  }
}

extension HDF5File {
  /// Checks that the file holds the artifact kind `expected` (its `artifact` attribute).
  func expectArtifact(_ expected: String) throws {
    let found = (try? string("artifact")) ?? "none"
    guard found == expected else {
      throw HDF5Error(file: path, "is not a \(expected) artifact (its 'artifact' attribute is \(found))")
    }
  }
}
