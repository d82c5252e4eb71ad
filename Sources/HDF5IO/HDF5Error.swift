/// A failure of an HDF5 operation, naming the file, the object and the problem
/// in one line: `truth.h5: /inputs/train: expected 2 dimensions, found 1`.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
  public var file: String
  public var object: String?
  public var problem: String

  public init(file: String, object: String? = nil, _ problem: String) {
    self.file = file
    self.object = object
    self.problem = problem
  }

  public var description: String {
    [file, object, problem].compactMap { $0 }.joined(separator: ": ")
  }
}
