import Artifacts

/// Writes texts so that either all land or none: each is written under a
/// temporary name, and the renames happen only once every one is complete
/// (and `inside`, another atomic write, has succeeded). Each gets its digest
/// sidecar, `.NAME.digest` (AtomicOutput.writeText).
public func writeTogether(_ files: [(text: String, path: String?)], inside: () throws -> Void = {}) throws {
  let pending = files.compactMap { file in file.path.map { (file.text, $0) } }
  func write(_ index: Int) throws {
    guard index < pending.count else { return try inside() }
    try AtomicOutput.writeText(pending[index].0, to: pending[index].1) { try write(index + 1) }
  }
  try write(0)
}
