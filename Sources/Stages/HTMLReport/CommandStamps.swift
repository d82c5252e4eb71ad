import Foundation
import Plot

/// The commands the current parameters would run, one file per artifact, `<folder>/<artifact path>.cmd`,
/// holding the command's text: the cache's stamp once the stamp is the command (Make writes it, rewritten
/// only when it changes). An artifact is up to date when the words of its recorded `command_line` are the
/// stamp's, stale when they differ, and unchecked where there is no stamp.
struct CommandStamps {
  var folder: String

  func freshness(of relativePath: String, recorded: String) -> Freshness {
    let stamp = (folder as NSString).appendingPathComponent(relativePath + ".cmd")
    guard let expected = try? String(contentsOfFile: stamp, encoding: .utf8) else { return .unchecked }
    return words(expected) == words(recorded) ? .current : .stale(expected: expected)
  }

  private func words(_ text: String) -> [Substring] { text.split(whereSeparator: \.isWhitespace) }
}

/// Whether an artifact matches the current parameters.
enum Freshness {
  case current
  case stale(expected: String)
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

  /// The command the current parameters would run, where it differs from the recorded one.
  var details: [(String, Node<HTML.BodyContext>)] {
    guard case .stale(let expected) = self else { return [] }
    return [("current parameters run", .pre(.plain(expected.trimmingCharacters(in: .whitespacesAndNewlines))))]
  }
}
