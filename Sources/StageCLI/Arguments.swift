import ArgumentParser

/// Hidden widths, "25,25": positive integers separated by commas ("" for
/// none: the linear model f(x) = u·x).
public struct Widths: ExpressibleByArgument, Sendable {
  public var values: [Int]

  public init?(argument: String) {
    if argument.isEmpty {
      values = []
      return
    }
    let parsed = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard parsed.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
    values = parsed.map { $0! }
  }

  public static var defaultValueDescription: String { "positive integers separated by commas" }
}

/// Two seeds of numpy's legacy generator, "1124,2124": (first, second).
public struct SeedPair: ExpressibleByArgument, Sendable {
  public var first: UInt32
  public var second: UInt32

  public init?(argument: String) {
    let parts = argument.split(separator: ",").map { UInt32($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let first = parts[0], let second = parts[1] else { return nil }
    (self.first, self.second) = (first, second)
  }
}
