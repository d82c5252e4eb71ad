import HDF5IO
import NTKMath

// Reading samples × features datasets: matrices and vectors checked to be
// finite, shapes checked with their meaning, rows streamed in blocks, labels.

extension HDF5Dataset {
  /// Reads rows `range` of a 2-D dataset as a matrix, rejecting NaN and ±∞.
  public func readMatrix(rows range: Range<Int>? = nil) throws -> Matrix {
    let range = range ?? 0..<shape[0]
    let values = try read(Double.self, rows: range)
    try requireFinite(values)
    return Matrix(rows: range.count, columns: shape[1], values: values)
  }

  /// Reads a 1-D dataset (or rows of it), rejecting NaN and ±∞.
  public func readVector(rows range: Range<Int>? = nil) throws -> [Double] {
    let values = try read(Double.self, rows: range)
    try requireFinite(values)
    return values
  }

  func requireFinite(_ values: [Double]) throws {
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw HDF5Error(file: file.path, object: name, "element \(bad) is \(values[bad]); values must be finite")
    }
  }

  /// Checks the dataset's shape, naming the mismatch.
  public func expect(shape expected: [Int], _ meaning: String) throws {
    guard shape == expected else {
      throw HDF5Error(file: file.path, object: name, "has shape \(shape), expected \(expected) (\(meaning))")
    }
  }

  /// Calls `body` with consecutive blocks of `rows` rows: (first row, block).
  public func forEachBlock(rows: Int? = nil, _ body: (Int, Matrix) throws -> Void) throws {
    let rows = rows ?? streamingBlockRows(rowLength: rowLength)
    var start = 0
    while start < shape[0] {
      let end = min(start + rows, shape[0])
      try body(start, try readMatrix(rows: start..<end))
      start = end
    }
  }

  /// The blocks as `forEachBlock` reads them, with their work on Parallel's
  /// workers: `work(first row, block)` side by side, `consume(first row,
  /// result)` in order.
  public func forEachBlock<Result>(
    rows: Int? = nil, work: (Int, Matrix) throws -> Result, consume: (Int, Result) throws -> Void
  ) throws {
    let rows = rows ?? streamingBlockRows(rowLength: rowLength)
    try Parallel.pipeline(
      (shape[0] + rows - 1) / rows,
      produce: { b in (b * rows, try readMatrix(rows: b * rows..<min(b * rows + rows, shape[0]))) },
      work: { start, x in (start, try work(start, x)) },
      consume: { _, done in try consume(done.0, done.1) })
  }
}

extension HDF5Dataset {
  /// Reads ±1 labels (rows `range`, all by default), naming the first value that is not.
  public func readLabels(rows range: Range<Int>? = nil) throws -> [Double] {
    let labels = try read(Double.self, rows: range)
    if let bad = labels.firstIndex(where: { $0 != 1 && $0 != -1 }) {
      let index = bad + (range?.lowerBound ?? 0)
      throw HDF5Error(file: file.path, object: name, "label \(index) is \(labels[bad]); labels must be −1 or +1")
    }
    return labels
  }
}

extension HDF5File {
  /// The dataset of a vector of labels, checked to hold `count` of them.
  public func labelDataset(_ object: String, count: Int? = nil) throws -> HDF5Dataset {
    let dataset = try dataset(object, rank: 1)
    if let count { try dataset.expect(shape: [count], "one label per sample") }
    return dataset
  }

  /// Reads ±1 labels, naming the first value that is not.
  public func readLabels(_ object: String, count: Int? = nil) throws -> [Double] {
    try labelDataset(object, count: count).readLabels()
  }
}
