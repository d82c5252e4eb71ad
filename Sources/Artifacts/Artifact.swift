import HDF5IO

/// An artifact read from its HDF5 file; its kind (the `artifact` attribute)
/// was checked when it was opened.
public protocol Artifact {
  var file: HDF5File { get }
}

extension Artifact {
  public var path: String { file.path }

  /// Refuses this artifact unless it was made from `input` (its recorded
  /// input digests include `input`'s content digest), naming both files.
  public func requireMade(from input: some Artifact) throws {
    try file.requireMade(from: input.file)
  }
}
