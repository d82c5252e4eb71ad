import Foundation
import HDF5IO
import Testing

@Suite struct HDF5IOTests {
  static func temporaryPath(_ name: String) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ntk-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    unlink(path)
    return path
  }

  @Test func datasetsAndAttributesRoundTrip() throws {
    let path = Self.temporaryPath("roundtrip.h5")
    let values = (0..<12).map { Double($0) * 0.1 - 0.35 }
    do {
      let file = try HDF5File.create(path)
      try file.write(values, shape: [3, 4], to: "/group/matrix")
      try file.write([Int64(-3), 5], shape: [2], to: "/indices")
      try file.write([2.5], shape: [], to: "/scalar")
      try file.write(["α", "", "b"], to: "/names")
      try file.setAttributes(
        [
          "text": .string("ünïcode ✓"), "number": .double(.pi), "count": .integer(7),
          "list": .strings(["a", "b"]), "shape": .integers([3, 4]),
        ], on: "/group/matrix")
      try file.close()
    }
    let file = try HDF5File.open(path)
    let (read, shape) = try file.read("/group/matrix", as: Double.self, rank: 2)
    #expect(read.map(\.bitPattern) == values.map(\.bitPattern))
    #expect(shape == [3, 4])
    #expect(try file.read("/indices", as: Int64.self).values == [-3, 5])
    #expect(try file.dataset("/scalar", rank: 0).read(Double.self) == [2.5])
    #expect(try file.readStrings("/names") == ["α", "", "b"])
    #expect(try file.attribute("text", of: "/group/matrix") == .string("ünïcode ✓"))
    #expect(try file.number("number", of: "/group/matrix") == .pi)
    #expect(try file.integers("shape", of: "/group/matrix") == [3, 4])
    #expect(try file.attribute("list", of: "/group/matrix") == .strings(["a", "b"]))
    #expect(try file.dataset("/group/matrix").read(Double.self, rows: 1..<3) == Array(values[4...]))
  }

  @Test func streamedRowsMatchAWholeWrite() throws {
    let path = Self.temporaryPath("stream.h5")
    let rows = 70_000, columns = 3  // above the 1 MiB chunking threshold
    let values = (0..<(rows * columns)).map { Double($0) }
    do {
      let file = try HDF5File.create(path)
      let dataset = try file.createDataset("/m", of: Double.self, shape: [rows, columns])
      for start in stride(from: 0, to: rows, by: 9999) {
        let end = min(start + 9999, rows)
        try dataset.writeRows(Array(values[(start * columns)..<(end * columns)]), at: start)
      }
      try file.close()
    }
    #expect(try HDF5File.open(path).read("/m", as: Double.self).values == values)
  }

  @Test func errorsNameTheFileAndTheObject() throws {
    let path = Self.temporaryPath("errors.h5")
    do {
      let file = try HDF5File.create(path)
      try file.write([1.0, 2], shape: [2], to: "/vector")
      try file.write(["x"], to: "/text")
      try file.close()
    }
    let file = try HDF5File.open(path)
    func message(_ body: () throws -> Void) -> String {
      do { try body() } catch { return "\(error)" }
      return "no error"
    }
    #expect(message { _ = try file.dataset("/absent") } == "\(path): /absent: missing")
    #expect(
      message { _ = try file.dataset("/vector", rank: 2) }.hasPrefix("\(path): /vector: expected 2 dimensions, found 1")
    )
    #expect(
      message { _ = try file.read("/text", as: Double.self) }
        == "\(path): /text: expected floating-point data, found string")
    #expect(message { _ = try HDF5File.open(path + ".absent") } == "\(path).absent: no such file")
    let bytes = Self.temporaryPath("bytes.h5")
    _ = FileManager.default.createFile(atPath: bytes, contents: Data("not hdf5".utf8))
    #expect(message { _ = try HDF5File.open(bytes) } == "\(bytes): not an HDF5 file (or truncated)")
    #expect(throws: HDF5Error.self) { try HDF5File.create(path) }  // never overwrites
  }
}
