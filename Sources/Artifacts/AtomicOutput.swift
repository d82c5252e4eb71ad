import Foundation
import HDF5IO

/// Writes an artifact under a temporary name in the destination folder and
/// renames it into place only once it is complete: a killed or failed stage
/// never leaves a file with the final name. The temporary name carries the
/// process id and a random tag, so concurrent writers never collide.
public enum AtomicOutput {
  public static func write(to path: String, _ body: (HDF5File) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(tag).tmp").path
    TemporaryFiles.register(temporary)
    defer { TemporaryFiles.unregister(temporary) }
    do {
      let file = try HDF5File.create(temporary)
      try body(file)
      try file.close()
      guard rename(temporary, path) == 0 else {
        throw HDF5Error(file: path, "cannot move the finished file into place (\(String(cString: strerror(errno))))")
      }
    } catch {
      unlink(temporary)
      throw error
    }
  }
}

/// Temporary files of this process, removed if it is interrupted (SIGINT, SIGTERM, SIGHUP).
public enum TemporaryFiles {
  nonisolated(unsafe) private static var paths: [String] = []
  private static let lock = NSLock()
  nonisolated(unsafe) private static var installed = false

  static func register(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    paths.append(path)
    if !installed {
      installed = true
      for signal in [SIGINT, SIGTERM, SIGHUP] {
        Foundation.signal(signal) { number in
          // Best effort from a signal handler: unlink is async-signal-safe.
          for path in TemporaryFiles.paths { unlink(path) }
          _exit(128 + number)
        }
      }
    }
  }

  static func unregister(_ path: String) {
    lock.lock()
    defer { lock.unlock() }
    paths.removeAll { $0 == path }
  }
}
