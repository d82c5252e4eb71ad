import ContentDigest
import Foundation
import HDF5IO

/// Writes an output under a temporary name in the destination folder and
/// renames it into place only once it is complete: a killed or failed stage
/// never leaves a file with the final name. The temporary name carries the
/// host, the process id and a random tag, so concurrent writers (also on
/// other hosts sharing the folder) never collide; temporaries left by dead
/// processes of this host are removed by the next writer of the same file.
public enum AtomicOutput {
  /// Calls `body` with the temporary path to fill, then renames it to `path`;
  /// on failure the temporary is removed and errors name `path`.
  public static func replace(_ path: String, _ body: (String) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw HDF5Error(file: path, "cannot create its folder (\(error.localizedDescription))")
    }
    let prefix = ".\(url.lastPathComponent).\(ProcessInfo.processInfo.hostName)."
    removeStaleTemporaries(in: folder, prefix: prefix)
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    let temporary = folder.appendingPathComponent("\(prefix)\(getpid()).\(tag).tmp").path
    TemporaryFiles.register(temporary)
    defer { TemporaryFiles.unregister(temporary) }
    do {
      try body(temporary)
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

  /// Writes an HDF5 artifact; its content digest is added as it closes, and
  /// written beside it as `.NAME.digest` (`digestSidecar`: what make's cache
  /// compares, pipelines/cache.mk). `inside` (other atomic writes, written
  /// together with this one: all or none) runs once the file is closed and
  /// before its rename: closing flushes, and can still fail.
  public static func write(
    to path: String, inside: () throws -> Void = {}, _ body: (HDF5File) throws -> Void
  ) throws {
    try replaceWithDigest(path) { temporary in
      let file = try HDF5File.create(temporary)
      try body(file)
      let digest = try file.sealContentDigest(definition: HDF5File.contentDigestDefinition) ?? ""
      try file.close()
      try inside()
      return digest
    }
  }

  /// Writes a text file (UTF-8) and, beside it, its digest (XXH3-128 of the bytes) as `.NAME.digest`.
  public static func writeText(_ text: String, to path: String, inside: () throws -> Void = {}) throws {
    try replaceWithDigest(path) { temporary in
      try writeText(text, at: temporary, naming: path)
      try inside()
      let digest = XXH3()
      digest.update(text)
      return digest.finish()
    }
  }

  /// `replace`, with the digest `body` returns written as the sidecar `.NAME.digest`: the old sidecar goes
  /// before the new file takes its place and the new one comes after, so that a sidecar never names another
  /// content than the file's.
  private static func replaceWithDigest(_ path: String, _ body: (String) throws -> String) throws {
    let sidecar = digestSidecar(of: path)
    try replace(sidecar) { sidecarTemporary in
      try replace(path) { temporary in
        let digest = try body(temporary)
        try writeText(digest + "\n", at: sidecarTemporary, naming: path)
        unlink(sidecar)
      }
    }
  }

  /// `DIR/.NAME.digest`: the content digest of the artifact `DIR/NAME`, one line.
  public static func digestSidecar(of path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).digest").path
  }

  /// Writes `text` (UTF-8) to a new file at `temporary`; errors name `path`.
  public static func writeText(_ text: String, at temporary: String, naming path: String) throws {
    guard let stream = fopen(temporary, "wx") else {
      throw HDF5Error(file: path, "cannot create the file (\(String(cString: strerror(errno))))")
    }
    let bytes = Array(text.utf8)
    let written = fwrite(bytes, 1, bytes.count, stream)
    let closed = fclose(stream)
    guard written == bytes.count, closed == 0 else {
      throw HDF5Error(file: path, "cannot write the file (disk full?)")
    }
  }

  /// Removes `<prefix><pid>.<tag>.tmp` files whose process no longer runs.
  private static func removeStaleTemporaries(in folder: URL, prefix: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
      let fields = name.dropFirst(prefix.count).split(separator: ".")
      guard let pid = fields.first.flatMap({ Int32($0) }), !isRunning(pid) else { continue }
      unlink(folder.appendingPathComponent(name).path)
    }
  }

  /// True when process `pid` exists and is not a zombie (which will never write again).
  private static func isRunning(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return true }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
  }
}
