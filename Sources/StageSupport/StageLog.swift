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
  /// The seconds between plain progress lines off a terminal (Progress).
  public var progressSeconds: Double

  /// A line every 5 s: often enough to see a stage move in a make or cluster log, seldom enough to keep it short.
  public static let defaultProgressSeconds = 5.0

  public init(program: String, quiet: Bool, progressSeconds: Double = defaultProgressSeconds) {
    self.program = program
    self.quiet = quiet
    self.progressSeconds = progressSeconds
  }

  public func callAsFunction(_ message: @autoclosure () -> String) {
    guard !quiet else { return }
    writeToStandardError("\(program): \(message())\n")
  }
}

/// Writes to stderr, ignoring failure: a full disk under the log must not
/// stop a stage (FileHandle would trap).
public func writeToStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
    if written <= 0 { return }
    offset += written
  }
}

extension StageLog {
  /// Runs `body`, work that reports no progress of its own (a LAPACK
  /// eigendecomposition, a kernel computed whole), and meanwhile writes
  /// "<label>: working, N s" every `progressSeconds` (the plain lines of
  /// Progress; on a terminal too), so that a log shows a long stage alive.
  /// Nothing when quiet.
  public func working<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
    guard !quiet else { return try body() }
    let done = DispatchSemaphore(value: 0)
    let stopped = DispatchSemaphore(value: 0)
    let (log, interval, start) = (self, progressSeconds, Date())
    Thread {
      while done.wait(timeout: .now() + interval) == .timedOut {
        log("\(label): working, \(String(format: "%.0f", Date().timeIntervalSince(start))) s")
      }
      stopped.signal()
    }.start()
    defer {
      done.signal()
      stopped.wait()
    }
    return try body()
  }
}
