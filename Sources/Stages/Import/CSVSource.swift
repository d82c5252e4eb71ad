import CLibCSV
import Foundation
import StageSupport

/// The records of a CSV file as parsed by libcsv (RFC 4180: fields separated
/// by commas, quoted with double quotes, a doubled quote inside a quoted field,
/// line breaks inside quotes; spaces around unquoted fields are dropped; blank
/// lines are skipped), each with the line it starts on (counting from 1).
struct CSVRecords {
  var records: [(line: Int, fields: [String])] = []

  /// Parses `bytes`, in strict mode (a stray quote is an error), refusing text
  /// with NUL bytes or invalid UTF-8 (not a CSV file).
  init(bytes: [UInt8], file: String) throws {
    if let nul = bytes.firstIndex(of: 0) {
      throw StageError("\(file): not a CSV text file (a NUL byte at byte \(nul): binary data?)")
    }
    guard String(validating: bytes, as: UTF8.self) != nil else {
      throw StageError("\(file): not a CSV text file (not valid UTF-8)")
    }
    var parser = csv_parser()
    guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else {
      throw StageError("\(file): cannot start the CSV parser (out of memory?)")
    }
    defer { csv_free(&parser) }
    let state = ParseState()
    let context = Unmanaged.passUnretained(state).toOpaque()
    let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
      field, length, data in
      let state = Unmanaged<ParseState>.fromOpaque(data!).takeUnretainedValue()
      if state.fields.isEmpty { state.startLine = state.line }
      let buffer = UnsafeRawBufferPointer(start: field, count: field == nil ? 0 : length)
      state.fields.append(String(decoding: buffer, as: UTF8.self))
    }
    let onRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, data in
      let state = Unmanaged<ParseState>.fromOpaque(data!).takeUnretainedValue()
      state.records.append((state.startLine, state.fields))
      state.fields = []
    }
    // One physical line at a time, so that each record knows the line it starts on.
    var start = 0
    while start < bytes.count {
      let end = (bytes[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? bytes.count
      let parsed = bytes[start..<end].withUnsafeBytes {
        csv_parse(&parser, $0.baseAddress, $0.count, onField, onRecord, context)
      }
      guard parsed == end - start else {
        throw StageError("\(file): line \(state.line): \(Self.problem(csv_error(&parser)))")
      }
      state.line += 1
      start = end
    }
    guard csv_fini(&parser, onField, onRecord, context) == 0 else {
      throw StageError("\(file): line \(state.startLine): \(Self.problem(csv_error(&parser))) (a quote never closed?)")
    }
    records = state.records
  }

  private static func problem(_ code: Int32) -> String {
    code == CSV_EPARSE ? "malformed CSV (a stray or unbalanced double quote)" : String(cString: csv_strerror(code))
  }

  private final class ParseState {
    var line = 1
    var startLine = 1
    var fields: [String] = []
    var records: [(line: Int, fields: [String])] = []
  }
}

extension LabelledData {
  /// Reads a CSV file with a header row: the column named `labelColumn` holds
  /// the labels, every other column is a feature; every feature cell must be a
  /// finite number (decimal or scientific notation).
  static func readCSV(path: String, labelColumn: String) throws -> LabelledData {
    let parsed = try CSVRecords(bytes: try readWholeFile(path), file: path)
    guard let header = parsed.records.first else { throw StageError("\(path): has no header row (only blank lines)") }
    let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
    let matches = names.indices.filter { names[$0] == labelColumn }
    guard let labelIndex = matches.first else {
      throw StageError(
        "\(path): line \(header.line): no label column '\(labelColumn)' in the header "
          + "(columns: \(names.joined(separator: ", ")))"
      )
    }
    guard matches.count == 1 else {
      throw StageError("\(path): line \(header.line): the label column '\(labelColumn)' appears \(matches.count) times")
    }
    let featureColumns = names.indices.filter { $0 != labelIndex }
    let rows = parsed.records.dropFirst()
    guard !rows.isEmpty else { throw StageError("\(path): has a header but no samples") }
    var inputs: [Double] = []
    inputs.reserveCapacity(rows.count * featureColumns.count)
    var labels: [String] = []
    for (line, fields) in rows {
      guard fields.count == names.count else {
        throw StageError(
          "\(path): line \(line): has \(fields.count) fields, the header has \(names.count) (a ragged row)")
      }
      for column in featureColumns {
        let cell = fields[column].trimmingCharacters(in: .whitespaces)
        guard let value = Double(cell), !cell.isEmpty else {
          throw StageError(
            "\(path): line \(line), column \(column + 1) '\(names[column])': "
              + (cell.isEmpty ? "empty cell" : "'\(cell)' is not a number"))
        }
        guard value.isFinite else {
          throw StageError(
            "\(path): line \(line), column \(column + 1) '\(names[column])': \(cell) is not finite; "
              + "inputs must be finite"
          )
        }
        inputs.append(value)
      }
      let label = LabelledData.canonical(fields[labelIndex])
      guard !label.isEmpty else {
        throw StageError("\(path): line \(line), column \(labelIndex + 1) '\(labelColumn)': empty label")
      }
      labels.append(label)
    }
    return try LabelledData(
      inputs: inputs, samples: rows.count, dimension: featureColumns.count, labels: labels, file: path,
      inputsName: "features", labelsName: "column '\(labelColumn)'")
  }
}
