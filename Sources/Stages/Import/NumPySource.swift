import CLibZip
import Foundation
import StageSupport

/// A NumPy array from the `.npy` format (versions 1–3): its shape and its
/// elements as float64 (numbers) or as text (Unicode strings, dtype `U`).
struct NumPyArray {
  var shape: [Int]
  var numbers: [Double]?
  var strings: [String]?

  /// Parses `.npy` bytes: the magic string, the header (a Python dict with
  /// `descr`, `fortran_order`, `shape`), then the elements. Numbers of any
  /// integer, unsigned, boolean or floating-point dtype of either byte order
  /// are read; Fortran order is transposed to row-major; object arrays
  /// (pickles) are refused. `name` and `file` name the array in errors.
  init(bytes: [UInt8], file: String, name: String) throws {
    func fail(_ problem: String) -> StageError { StageError("\(file): \(name): \(problem)") }
    let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw fail("not a NumPy .npy array (no \\x93NUMPY magic string)")
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw fail("truncated .npy header") }
      headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
      headerStart = 12
    default: throw fail("unsupported .npy format version \(major)")
    }
    guard bytes.count >= headerStart + headerLength else { throw fail("truncated .npy header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard let descr = Self.value(of: "descr", in: header).flatMap(Self.unquote),
      let fortran = Self.value(of: "fortran_order", in: header),
      let shapeText = Self.value(of: "shape", in: header),
      let shape = Self.tuple(shapeText)
    else { throw fail("unreadable .npy header \(header.trimmingCharacters(in: .whitespacesAndNewlines))") }
    self.shape = shape
    let count = shape.reduce(1, *)
    let body = Array(bytes[(headerStart + headerLength)...])
    let type = try NumPyType(descr: descr, fail: fail)
    guard body.count >= count * type.size else {
      throw fail("truncated: shape \(shape) of \(descr) needs \(count * type.size) bytes, the file holds \(body.count)")
    }
    var order = Array(0..<count)
    if fortran.hasPrefix("True"), shape.count >= 2 {
      // Element (i0, …, ik) of row-major position p sits at the column-major position.
      var strides = [Int](repeating: 1, count: shape.count)
      for k in 1..<shape.count { strides[k] = strides[k - 1] * shape[k - 1] }
      order = (0..<count).map { p in
        var rest = p
        var q = 0
        for k in stride(from: shape.count - 1, through: 0, by: -1) {
          q += (rest % shape[k]) * strides[k]
          rest /= shape[k]
        }
        return q
      }
    }
    if type.kind == "U" {
      strings = order.map { type.string(body, at: $0) }
    } else {
      numbers = order.map { type.number(body, at: $0) }
    }
  }

  /// The text after `'key':` up to the next top-level comma or the closing brace.
  private static func value(of key: String, in header: String) -> String? {
    guard let range = header.range(of: "'\(key)':") ?? header.range(of: "\"\(key)\":") else { return nil }
    var depth = 0
    var text = ""
    for character in header[range.upperBound...] {
      if character == "(" { depth += 1 }
      if character == ")" { depth -= 1 }
      if depth == 0 && (character == "," || character == "}") { break }
      text.append(character)
      if depth < 0 { return nil }
    }
    return text.trimmingCharacters(in: .whitespaces)
  }

  private static func unquote(_ text: String) -> String? {
    guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else { return nil }
    return String(text.dropFirst().dropLast())
  }

  /// "(3, 4)", "(5,)", "()" as integers.
  private static func tuple(_ text: String) -> [Int]? {
    guard text.hasPrefix("("), text.hasSuffix(")") else { return nil }
    let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = parts.filter { !$0.isEmpty }.map { Int($0.hasSuffix("L") ? String($0.dropLast()) : $0) }
    guard values.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
    return values.map { $0! }
  }
}

/// A NumPy dtype such as `<f8`, `|u1`, `>i4`, `|b1`, `<U9`.
private struct NumPyType {
  var littleEndian: Bool
  var kind: Character
  var size: Int

  init(descr: String, fail: (String) -> StageError) throws {
    // An object array's dtype is '|O', without a width: refused before the width is read.
    if descr.dropFirst().first == "O" {
      throw fail("holds Python objects (dtype '\(descr)'), which need pickle: save numbers or strings")
    }
    guard descr.count >= 3, let order = descr.first, "<>|=".contains(order),
      let kind = descr.dropFirst().first, let width = Int(descr.dropFirst(2))
    else { throw fail("unsupported dtype '\(descr)'") }
    littleEndian = order != ">"
    self.kind = kind
    switch (kind, width) {
    case ("f", 4), ("f", 8), ("i", 1), ("i", 2), ("i", 4), ("i", 8), ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1):
      size = width
    case ("U", let characters) where characters > 0: size = 4 * characters
    default: throw fail("unsupported dtype '\(descr)' (expected integers, floats, booleans or Unicode strings)")
    }
  }

  /// The unsigned integer of `count` bytes at `offset`, in the array's byte order.
  private func raw(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
    (0..<count).reduce(UInt64(0)) { value, k in
      value | UInt64(bytes[offset + k]) << (8 * UInt64(littleEndian ? k : count - 1 - k))
    }
  }

  func number(_ bytes: [UInt8], at index: Int) -> Double {
    let bits = raw(bytes, index * size, size)
    switch (kind, size) {
    case ("f", 4): return Double(Float(bitPattern: UInt32(bits)))
    case ("f", _): return Double(bitPattern: bits)
    case ("i", _):
      let shift = UInt64(64 - 8 * size)
      return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
    default: return Double(bits)
    }
  }

  func string(_ bytes: [UInt8], at index: Int) -> String {
    var scalars = String.UnicodeScalarView()
    for k in 0..<(size / 4) {
      let code = UInt32(raw(bytes, index * size + 4 * k, 4))
      if code == 0 { break }
      scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
    }
    return String(scalars)
  }
}

extension LabelledData {
  /// Reads a pair of `.npy` files: inputs (n × d) and labels (n).
  static func readNPY(inputsPath: String, labelsPath: String) throws -> LabelledData {
    let x = try NumPyArray(bytes: try readWholeFile(inputsPath), file: inputsPath, name: "array")
    let y = try NumPyArray(bytes: try readWholeFile(labelsPath), file: labelsPath, name: "array")
    return try assemble(x: x, y: y, file: inputsPath, inputsName: "array", labelsFile: labelsPath, labelsName: "array")
  }

  /// Reads a `.npz` archive (NumPy's savez or savez_compressed, read with
  /// libzip): arrays `inputsName` (n × d) and `labelsName` (n).
  static func readNPZ(path: String, inputsName: String, labelsName: String) throws -> LabelledData {
    try requireDataFile(path)  // missing, a directory or empty: the same messages as the other formats
    var code: Int32 = 0
    guard let archive = zip_open(path, ZIP_RDONLY, &code) else {
      var error = zip_error_t()
      zip_error_init_with_code(&error, code)
      defer { zip_error_fini(&error) }
      throw StageError("\(path): not a NumPy .npz file (a zip archive): \(String(cString: zip_error_strerror(&error)))")
    }
    defer { zip_discard(archive) }
    func member(_ name: String) throws -> NumPyArray {
      let index = zip_name_locate(archive, name + ".npy", 0)
      guard index >= 0 else {
        let count = zip_get_num_entries(archive, 0)
        let names = (0..<max(count, 0)).compactMap {
          zip_get_name(archive, zip_uint64_t($0), 0).map { String(cString: $0) }
        }
        throw StageError(
          "\(path): \(name): missing (the archive holds \(names.map { $0.replacingOccurrences(of: ".npy", with: "") }))"
        )
      }
      var stat = zip_stat_t()
      guard zip_stat_index(archive, zip_uint64_t(index), 0, &stat) == 0,
        let entry = zip_fopen_index(archive, zip_uint64_t(index), 0)
      else { throw StageError("\(path): \(name): cannot be opened in the archive (damaged file?)") }
      defer { zip_fclose(entry) }
      var bytes = [UInt8](repeating: 0, count: Int(stat.size))
      let read = bytes.withUnsafeMutableBytes { zip_fread(entry, $0.baseAddress, zip_uint64_t($0.count)) }
      guard read == Int64(stat.size) else { throw StageError("\(path): \(name): cannot be read (damaged archive?)") }
      return try NumPyArray(bytes: bytes, file: path, name: name)
    }
    return try assemble(
      x: try member(inputsName), y: try member(labelsName), file: path, inputsName: inputsName, labelsFile: path,
      labelsName: labelsName)
  }

  private static func assemble(
    x: NumPyArray, y: NumPyArray, file: String, inputsName: String, labelsFile: String, labelsName: String
  ) throws -> LabelledData {
    guard x.shape.count == 2, let inputs = x.numbers else {
      throw StageError(
        x.shape.count != 2
          ? "\(file): \(inputsName): has \(x.shape.count) dimensions (shape \(x.shape)); "
            + "expected 2 (samples × features)"
          : "\(file): \(inputsName): holds strings; inputs must be numbers")
    }
    guard y.shape.count == 1 else {
      throw StageError(
        "\(labelsFile): \(labelsName): has \(y.shape.count) dimensions (shape \(y.shape)); "
          + "expected 1 (a label per sample)"
      )
    }
    let labels =
      try y.strings?.map { LabelledData.canonical($0) }
      ?? canonicalLabels(y.numbers!, file: labelsFile, object: labelsName)
    guard labels.count == x.shape[0] else {
      throw StageError(
        "\(labelsFile): \(labelsName): has \(labels.count) labels, but \(file) \(inputsName) has \(x.shape[0]) samples "
          + "(one label per sample)")
    }
    return try LabelledData(
      inputs: inputs, samples: x.shape[0], dimension: x.shape[1], labels: labels, file: file, inputsName: inputsName,
      labelsName: labelsName)
  }
}
