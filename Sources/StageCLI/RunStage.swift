import ArgumentParser
import Foundation
import HDF5IO
import StageSupport

extension ParsableCommand {
  /// Parses the command line and runs the stage. Any failure — a bad option
  /// or a refused input — is one line on stderr, `program: error: message`,
  /// and a non-zero exit; `--help` prints the usual help on stdout.
  public static func runStage() -> Never {
    // Past a file-size limit (an output or the log), writes fail with EFBIG
    // instead of killing the stage; set once, before anything is written.
    signal(SIGXFSZ, SIG_IGN)
    // A log whose reader has gone (`make 2>&1 | head`): writes to stderr fail with
    // EPIPE, which writeToStandardError ignores, instead of SIGPIPE killing the stage.
    signal(SIGPIPE, SIG_IGN)
    // Stages stream blocks of a few MiB, allocated and freed once per block:
    // with glibc's defaults each block is an mmap (or a heap grown and trimmed
    // back), faulted in and zeroed afresh — a third of evaluate's time. Keep
    // freed blocks in the heap instead (peak memory unchanged).
    _ = mallopt(mallocMmapThreshold, 64 << 20)
    _ = mallopt(mallocTrimThreshold, 256 << 20)
    do {
      var command = try parseAsRoot()
      let environment = ProcessInfo.processInfo.environment
      try ThreadCount(
        option: (command as? any ThreadedCommand)?.threadOptions.threads, environment: environment,
        processors: ThreadCount.processors
      ).apply(environment: environment)
      // A damaged input can make libhdf5 loop, allocate without bound or crash: one line instead.
      try ReadWatchdog.start(program: configuration.commandName ?? "ntk")
      try command.run()
      Foundation.exit(0)
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        Foundation.exit(0)
      }
      let program = configuration.commandName ?? "ntk"
      let message = message(for: error).split(separator: "\n").joined(separator: " ")
      writeToStandardError("\(program): error: \(message)\n")
      // Skip exit handlers: HDF5's would retry flushing a file whose write
      // failed (disk full) and can crash. Outputs are complete or removed.
      fflush(nil)
      _exit(code.rawValue)
    }
  }
}

// glibc's mallopt (malloc.h, which Swift's Glibc module leaves out) and its parameters.
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let mallocTrimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
private let mallocMmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
