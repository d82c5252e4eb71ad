import ArgumentParser
import Foundation
import StageSupport

extension ParsableCommand {
  /// Parses the command line and runs the stage. Any failure — a bad option
  /// or a refused input — is one line on stderr, `program: error: message`,
  /// and a non-zero exit; `--help` prints the usual help on stdout.
  public static func runStage() -> Never {
    // Past a file-size limit (an output or the log), writes fail with EFBIG
    // instead of killing the stage; set once, before anything is written.
    signal(SIGXFSZ, SIG_IGN)
    do {
      var command = try parseAsRoot()
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
