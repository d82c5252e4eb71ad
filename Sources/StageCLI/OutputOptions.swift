import ArgumentParser
import Stages

/// Options every stage shares: where its artifact goes, and how much it says.
public struct OutputOptions: ParsableArguments {
  @Option(name: [.customShort("o"), .long], help: "The HDF5 file to write (written atomically).")
  public var output: String

  @Flag(name: .long, help: "Print no progress or log lines on stderr.")
  public var quiet = false

  public init() {}

  public func log(_ program: String) -> StageLog { StageLog(program: program, quiet: quiet) }
}

/// Parses a comma-separated list of positive integers ("25,25").
func parseWidths(_ text: String) throws -> [Int] {
  if text.isEmpty { return [] }
  let widths = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
    throw ValidationError("widths must be positive integers separated by commas, got '\(text)'")
  }
  return widths.map { $0! }
}
