import Foundation
import HDF5IO

/// Writes an artifact under a temporary name in the destination folder and
/// renames it into place only once it is complete: a killed or failed stage
/// never leaves a file with the final name. The temporary name carries the
/// host, the process id and a random tag, so concurrent writers (also on
/// other hosts sharing the folder) never collide; temporaries left by killed
/// processes of this host are removed by the next writer of the same file.
public enum AtomicOutput {
  public static func write(to path: String, _ body: (HDF5File) throws -> Void) throws {
    // Past a file-size limit, fail the write (EFBIG) instead of dying by SIGXFSZ.
    signal(SIGXFSZ, SIG_IGN)
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let prefix = ".\(url.lastPathComponent).\(ProcessInfo.processInfo.hostName)."
    removeStaleTemporaries(in: folder, prefix: prefix)
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    let temporary = folder.appendingPathComponent("\(prefix)\(getpid()).\(tag).tmp").path
    TemporaryFiles.register(temporary)
    defer { TemporaryFiles.unregister(temporary) }
    do {
      let file = try HDF5File.create(temporary)
      try body(file)
      if let digest = file.contentDigest() {
        try file.setAttributes([
          "content_digest": .string(digest),
          "content_digest_definition": .string(HDF5File.contentDigestDefinition),
        ])
      }
      try file.close()
      guard rename(temporary, path) == 0 else {
        throw HDF5Error(file: path, "cannot move the finished file into place (\(String(cString: strerror(errno))))")
      }
    } catch var error as HDF5Error {
      unlink(temporary)
      if error.file == temporary { error.file = path }  // name the file the user asked for
      throw error
    } catch {
      unlink(temporary)
      throw error
    }
  }

  /// Removes `<prefix><pid>.<tag>.tmp` files whose process no longer exists.
  private static func removeStaleTemporaries(in folder: URL, prefix: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
      let fields = name.dropFirst(prefix.count).split(separator: ".")
      guard let pid = fields.first.flatMap({ Int32($0) }), kill(pid, 0) != 0, errno == ESRCH else { continue }
      unlink(folder.appendingPathComponent(name).path)
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
