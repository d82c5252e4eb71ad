/// A Markdown (GitHub) table: a header row, the separator, one line per row.
public struct MarkdownTable: Sendable {
  public var headers: [String]
  public var rows: [[String]] = []

  public init(headers: [String]) { self.headers = headers }

  public mutating func append(_ row: [String]) {
    precondition(row.count == headers.count, "a row of \(row.count) cells for \(headers.count) columns")
    rows.append(row)
  }

  public var text: String {
    let separator = "|" + String(repeating: "---|", count: headers.count) + "\n"
    return Self.line(headers) + separator + rows.map(Self.line).joined()
  }

  static func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
}
