import Foundation
import Tables
import Testing

/// Reading a CSV back (CSVTable(contentsOf:), the HTML pages' source of exact numbers): every field as written.
@Suite struct CSVParsingTests {
  func write(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func fieldsReadBackExactlyAsWritten() throws {
    var table = CSVTable(columns: ["step", "model", "train_error"])
    table.append(["W", "net_<b>&\"q\",x", "0.30000000000000004"])
    table.append(["V", "", "1e-05"])
    let path = try write(table.text)
    let read = try CSVTable(contentsOf: path)
    #expect(read.columns == table.columns)
    #expect(read.rows == table.rows)
    #expect(read.fields("train_error") == ["0.30000000000000004", "1e-05"])
    #expect(read.fields("missing") == nil)
  }

  @Test func aShortRowIsRefusedWithItsLine() throws {
    let path = try write("a,b\n1,2\n3\n")
    #expect(throws: CSVError.self) { try CSVTable(contentsOf: path) }
    do {
      _ = try CSVTable(contentsOf: path)
    } catch {
      #expect("\(error)" == "\(path): line 3: 1 fields for 2 columns")
    }
  }
}
