import Foundation

extension CSVTable {
  /// Reads a CSV file as CSVTable writes it (RFC 4180: quoted fields, doubled quotes), keeping every field's
  /// text exactly as written. Refuses a file whose rows differ in length from its header, naming it.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
    else { throw CSVError(path: path, "cannot be read as UTF-8 text") }
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    let characters = Array(text)
    var k = 0
    while k < characters.count {
      let character = characters[k]
      k += 1
      switch character {
      case "\"":
        // A quoted field: up to the closing quote; a doubled quote inside is one quote.
        while k < characters.count {
          if characters[k] == "\"" {
            if k + 1 < characters.count, characters[k + 1] == "\"" {
              field.append("\"")
              k += 2
              continue
            }
            k += 1
            break
          }
          field.append(characters[k])
          k += 1
        }
      case ",":
        record.append(field)
        field = ""
      case "\n", "\r\n":
        record.append(field)
        records.append(record)
        record = []
        field = ""
      default: field.append(character)
      }
    }
    if !field.isEmpty || !record.isEmpty {
      record.append(field)
      records.append(record)
    }
    guard let header = records.first else { throw CSVError(path: path, "is empty (no header line)") }
    self.init(columns: header)
    for (index, row) in records.dropFirst().enumerated() {
      guard row.count == header.count else {
        throw CSVError(path: path, "line \(index + 2): \(row.count) fields for \(header.count) columns")
      }
      rows.append(row)
    }
  }

  /// The fields of `column` (nil when the table has no such column).
  public func fields(_ column: String) -> [String]? {
    columns.firstIndex(of: column).map { k in rows.map { $0[k] } }
  }
}

/// A CSV file that cannot be read: `<file>: <problem>`.
public struct CSVError: Error, CustomStringConvertible, Sendable {
  public var description: String
  init(path: String, _ problem: String) { description = "\(path): \(problem)" }
}
