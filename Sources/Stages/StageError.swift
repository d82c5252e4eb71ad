import Foundation

/// A stage's refusal to run on its inputs, as one line naming the file(s) and the problem.
public struct StageError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Progress and log lines go to stderr, never stdout.
public struct StageLog: Sendable {
  public var program: String
  public var quiet: Bool

  public init(program: String, quiet: Bool) {
    self.program = program
    self.quiet = quiet
  }

  public func callAsFunction(_ message: @autoclosure () -> String) {
    guard !quiet else { return }
    FileHandle.standardError.write(Data("\(program): \(message())\n".utf8))
  }
}
