import CHDF5
import CWatchdog
import Foundation

/// Guards every stage against damaged inputs on which libhdf5 1.10.8 loops for
/// ever, allocates without bound or crashes (Sources/CWatchdog). Each read of
/// an input file through this layer is bracketed; the stage ends with one line
/// naming the file, its temporary outputs removed, when
///
/// - a read makes no progress (no libhdf5 call returns and, while elements are
///   read, no byte arrives) for `NTK_HDF5_STALL_SECONDS` (default 60);
/// - while the file's structure is read (open, groups, attributes, dataset
///   headers), one read grows the resident memory by more than
///   `NTK_HDF5_STRUCTURE_MIB` MiB (default 1024);
/// - libhdf5 crashes (SIGSEGV, SIGBUS) inside a read.
public enum ReadWatchdog {
  public static let defaultStallSeconds = 60.0
  public static let defaultStructureMiB = 1024

  /// Starts the watchdog for the stage `program`, with the limits of the environment.
  public static func start(program: String) throws {
    let environment = ProcessInfo.processInfo.environment
    let stall = try limit("NTK_HDF5_STALL_SECONDS", environment, default: defaultStallSeconds)
    let structure = try limit("NTK_HDF5_STRUCTURE_MIB", environment, default: Double(defaultStructureMiB))
    guard ntk_watchdog_start(program, stall, Int64(structure * 1_048_576)) == 0 else {
      throw HDF5Error(file: "the read watchdog", "cannot start its thread")
    }
  }

  private static func limit(_ name: String, _ environment: [String: String], default value: Double) throws -> Double {
    guard let text = environment[name] else { return value }
    guard let number = Double(text), number > 0, number.isFinite else {
      throw HDF5Error(file: name, "must be a positive number, got '\(text)'")
    }
    return number
  }
}

/// What a read does: the file's structure or a dataset's elements (no memory bound).
enum ReadPhase {
  case structure, data

  var code: Int32 { self == .structure ? Int32(NTK_READ_STRUCTURE) : Int32(NTK_READ_DATA) }
}

extension HDF5File {
  /// Runs `body`, libhdf5 calls reading this file, under the watchdog; files being written pass.
  func reading<T>(_ phase: ReadPhase, _ body: () throws -> T) rethrows -> T {
    guard digests == nil else { return try body() }
    return try HDF5File.reading(path, phase, body)
  }

  /// Runs `body`, libhdf5 calls reading the file at `path`, under the watchdog.
  static func reading<T>(_ path: String, _ phase: ReadPhase, _ body: () throws -> T) rethrows -> T {
    let interrupted = ntk_watchdog_enter(path, phase.code)
    defer { ntk_watchdog_leave(interrupted) }
    return try body()
  }
}
