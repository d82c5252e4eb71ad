import CWatchdog
import Foundation

/// Temporary outputs of this process, removed if it is interrupted (SIGINT,
/// SIGTERM, SIGHUP) or ended by the read watchdog. The paths are kept in C
/// (Sources/CWatchdog), where a signal handler can unlink them safely.
public enum TemporaryFiles {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var installed = false

  public static func register(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    // Best effort: a path beyond PATH_MAX, or beyond 32 at once, is not registered.
    _ = ntk_register_temporary(path)
    if !installed {
      installed = true
      for signal in [SIGINT, SIGTERM, SIGHUP] {
        Foundation.signal(signal) { number in
          ntk_remove_temporaries()
          _exit(128 + number)
        }
      }
    }
  }

  public static func unregister(_ path: String) { ntk_unregister_temporary(path) }
}
