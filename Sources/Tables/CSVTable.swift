/// A CSV table (RFC 4180): a header line, then one line per row; a field
/// holding a comma, a quote or a line break is quoted, its quotes doubled.
public struct CSVTable: Sendable {
  public var columns: [String]
  public var rows: [[String]] = []

  public init(columns: [String]) { self.columns = columns }

  public mutating func append(_ row: [String]) {
    precondition(row.count == columns.count, "a row of \(row.count) fields for \(columns.count) columns")
    rows.append(row)
  }

  public var text: String { ([columns] + rows).map(Self.line).joined() }

  static func line(_ fields: [String]) -> String {
    fields.map { field in
      field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }.joined(separator: ",") + "\n"
  }
}
