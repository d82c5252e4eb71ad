import ArgumentParser
import COpenBLAS
import Foundation
import NTKMath

/// How many threads a stage works on: all the cores it has when it runs
/// alone, one when `make -j N` runs N ≥ cores stages side by side. In order:
///
/// 1. `--threads N`, the stage's own option, or `NTK_THREADS=N` in the
///    environment (for every stage of a `make`);
/// 2. otherwise the cores: the processors the stage may run on (its CPU
///    affinity), and under Slurm (`SLURM_JOB_ID`) at most the allocation's
///    CPUs per task (`SLURM_CPUS_PER_TASK`, one when unset), divided by the
///    jobs `make -j N` runs at once (MAKEFLAGS; `-j` without N: one thread).
public struct ThreadCount: Equatable, Sendable {
  public var count: Int

  public init(option: Int?, environment: [String: String], processors: Int) throws {
    let fromEnvironment = try environment["NTK_THREADS"].map { text in
      guard let n = Int(text), n > 0 else {
        throw ValidationError("NTK_THREADS must be a whole number ≥ 1, got '\(text)'")
      }
      return n
    }
    if let option = option ?? fromEnvironment {
      count = option
    } else {
      var cores = max(1, processors)
      if environment["SLURM_JOB_ID"] != nil {
        cores = max(1, min(cores, environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? 1))
      }
      count = max(1, cores / (Self.makeJobs(environment["MAKEFLAGS"] ?? "") ?? 1))
    }
  }

  /// The jobs `make -j N` runs at once, from MAKEFLAGS (GNU Make passes
  /// `-jN`, or `-j` for no limit, as a word before any ` -- `); nil when make
  /// runs one job at a time or the stage does not run under make.
  static func makeJobs(_ makeflags: String) -> Int? {
    let flags = makeflags.components(separatedBy: " -- ")[0].split(separator: " ")
    guard let word = flags.last(where: { $0.hasPrefix("-j") }) else { return nil }
    guard let jobs = Int(word.dropFirst(2)) else { return word == "-j" ? .max : nil }
    return jobs > 1 ? jobs : nil
  }

  /// The processors this process may run on.
  static var processors: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// Sets the stage's thread count: `Parallel.threads`, and OpenBLAS's
  /// (one, as the parallel loops need, unless the environment named one).
  func apply(environment: [String: String]) {
    Parallel.threads = count
    if environment["OPENBLAS_NUM_THREADS"] == nil { openblas_set_num_threads(1) }
  }
}

/// `--threads`, for the stages that run loops of their own in parallel.
public struct ThreadOptions: ParsableArguments {
  @Option(help: "Threads to work on (default: every core when this stage runs alone, one under make -j N ≥ cores).")
  public var threads: Int?

  public init() {}

  public func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }
}

/// A command with `--threads`.
public protocol ThreadedCommand: ParsableCommand {
  var threadOptions: ThreadOptions { get }
}
