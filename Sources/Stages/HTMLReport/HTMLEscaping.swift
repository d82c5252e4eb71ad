import Foundation
import Plot

/// Every string that came from a file or a parameter reaches the page through these nodes.
///
/// Plot builds the page from typed elements, so markup comes only from code. Its own escaping is not enough for
/// data, though: in 0.14.0 a text node keeps anything that looks like a character reference (a label "a&amp;b"
/// would read "a&b"), and an attribute's value is written as given (a quote would end it). So text and
/// attribute values from data are escaped here, completely (`&`, `<`, `>`, `"`, `'`), and handed to Plot as
/// finished text: the page shows each string exactly as it is in the file, and no string can become markup.
enum HTMLEscaping {
  static func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&#39;"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// A relative path as a URL path (each segment percent-encoded: a `#`, `?` or `%` in a folder name stays
  /// part of the path).
  static func urlPath(_ path: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "#?%;")
    return path.split(separator: "/", omittingEmptySubsequences: false).map {
      String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }.joined(separator: "/")
  }

  /// An element id from any text: letters, digits, `-` and `_` kept, every other character as `-`.
  static func anchor(_ text: String) -> String {
    String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" })
  }
}

extension Node {
  /// Text from data, shown exactly.
  static func plain(_ text: String) -> Node { .raw(HTMLEscaping.escape(text)) }

  /// An attribute whose value comes from data.
  static func escapedAttribute(_ name: String, _ value: String) -> Node {
    .attribute(named: name, value: HTMLEscaping.escape(value), ignoreIfValueIsEmpty: false)
  }
}
