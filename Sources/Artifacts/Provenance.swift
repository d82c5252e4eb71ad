import Foundation
import HDF5IO

/// Where an artifact came from, written as attributes of the file's root group:
/// `program`, `program_version`, `command_line`, `created_utc`, `input_files`,
/// `input_digests` (the inputs' content digests), and one attribute per parameter.
public struct Provenance: Sendable {
  public static let version = "0.1.0"

  public var program: String
  public var parameters: [(String, HDF5AttributeValue)]
  public var inputFiles: [String]
  public var inputDigests: [String]

  /// Reads the inputs' content digests at once, so that an input without one
  /// is refused before any work.
  public init(program: String, parameters: [(String, HDF5AttributeValue)] = [], inputFiles: [String] = []) throws {
    self.program = program
    self.parameters = parameters
    self.inputFiles = inputFiles
    self.inputDigests = try inputFiles.map { try HDF5File.open($0).string("content_digest") }
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
      "input_digests": .strings(inputDigests),
    ])
    for (name, value) in parameters { try file.setAttribute(name, value) }
  }
}

extension HDF5File {
  /// Refuses `product` unless it was made from `input` (its recorded input
  /// digests include `input`'s content digest), naming both files.
  public func requireMade(from input: HDF5File) throws {
    let digest = try input.string("content_digest")
    let recorded: [String]
    switch try? attribute("input_digests") {
    case .strings(let digests): recorded = digests
    case .string(let digest): recorded = [digest]
    default: recorded = []
    }
    guard recorded.contains(digest) else {
      throw HDF5Error(
        file: path,
        "was not made from \(input.path) (content_digest \(digest.prefix(12))… is not among its inputs' "
          + "digests): the files do not belong together"
      )
    }
  }

  /// The artifact kind the file records (its `artifact` attribute), or what is wrong with it.
  var artifactKind: String {
    (try? string("artifact")) ?? (hasAttribute("artifact") ? "not a string" : "missing")
  }

  /// Checks that the file holds the artifact kind `expected` (its `artifact` attribute).
  func expectArtifact(_ expected: String) throws {
    let found = artifactKind
    guard found == expected else {
      throw HDF5Error(file: path, "is not a \(expected) artifact (its 'artifact' attribute is \(found))")
    }
    // Every artifact records its content digest, and what is made from it records it in turn: refused on
    // opening, not when the stage writes its provenance.
    _ = try string("content_digest")
  }
}
