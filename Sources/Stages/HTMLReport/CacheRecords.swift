import Foundation
import Plot

/// Whether an artifact is what Make's cache would keep now, from the cache's own records
/// (pipelines/cache.mk): the stamp `DIR/.NAME.cmd` written after the stage succeeded (a stage's later outputs:
/// "see <its first output's stamp>") — line 1 the command,
/// then the stage binary's SHA-256 (`<hash>  <binary>`), then each input with its content digest, the run
/// folder named `ROOT` — against the binary's digest now (`<binary>.sha256`) and each input's content digest
/// now (its sidecar `DIR/.NAME.digest`). A changed command is Make's to see: `make status`.
struct CacheRecords {
  /// The run folder, which the stamps name ROOT.
  var folder: String

  func freshness(of relativePath: String) -> Freshness {
    let url = URL(fileURLWithPath: (folder as NSString).appendingPathComponent(relativePath))
    let stamp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).cmd").path
    guard var text = try? String(contentsOfFile: stamp, encoding: .utf8) else { return .unchecked }
    // A later output of a stage's outputs: "see <the first output's stamp>".
    let see = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if see.hasPrefix("see "),
      let first = try? String(contentsOfFile: resolved(String(see.dropFirst(4))), encoding: .utf8)
    {
      text = first
    }
    let lines = text.split(separator: "\n").map(String.init)
    for line in lines.dropFirst() {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      guard fields.count == 2 else { continue }
      if let now = currentDigest(of: fields[1]), fields[0].count == 64 {
        if now != fields[0] { return .stale(because: "\(fields[1]) changed since") }
      } else if let now = currentDigest(of: fields[0]), now != fields[1] {
        return .stale(because: "\(fields[0].replacingOccurrences(of: "ROOT/", with: "")) changed since")
      }
    }
    return .current
  }

  /// A path of a stamp: ROOT names the run folder.
  private func resolved(_ path: String) -> String {
    path.hasPrefix("ROOT/") ? (folder as NSString).appendingPathComponent(String(path.dropFirst(5))) : path
  }

  /// A binary's digest now (`<binary>.sha256`), or an input artifact's (`.NAME.digest` beside it).
  private func currentDigest(of path: String) -> String? {
    let resolved = resolved(path)
    let url = URL(fileURLWithPath: resolved)
    let sidecar = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).digest").path
    for record in [resolved + ".sha256", sidecar] {
      if let text = try? String(contentsOfFile: record, encoding: .utf8) {
        return text.split(whereSeparator: \.isWhitespace).first.map(String.init)
      }
    }
    return nil
  }
}

/// Whether an artifact is what the cache would keep now.
enum Freshness {
  case current
  case stale(because: String)
  /// No stamp: made outside Make (or before its cache rule).
  case unchecked

  var isStale: Bool {
    if case .stale = self { return true }
    return false
  }

  var badge: Node<HTML.BodyContext> {
    switch self {
    case .current: PageParts.badge("up to date", "ok")
    case .stale: PageParts.badge("stale", "stale")
    case .unchecked: PageParts.badge("not checked", "unchecked")
    }
  }

  /// Why it is stale.
  var details: [(String, Node<HTML.BodyContext>)] {
    guard case .stale(let reason) = self else { return [] }
    return [("stale", .plain(reason))]
  }
}
