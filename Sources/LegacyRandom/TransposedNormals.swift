/// numpy's `randn(rows, columns)` (filled row-major, one row after the other)
/// read as its transpose, a block of columns at a time: the block of columns
/// start ..< start + count is count × rows, element [j][i] = (i, start + j).
///
/// When the matrix takes more than `memoryLimit` bytes it is never held:
/// the generator's state at the start of every row is kept (found by
/// skipping `columns` draws per row, LegacyGenerator.skipNormals), and row
/// i's copy advances through its row block by block — the same numbers, bit
/// for bit, in memory for `rows` generators and one block. Below the limit
/// the draws are taken at once (half the generation work).
public struct TransposedNormals: Sendable {
  private var rowGenerators: [LegacyGenerator] = []
  private var drawn: [Double]?
  private let rows: Int
  private let columns: Int
  private var nextColumn = 0

  /// Takes the `rows · columns` draws from `generator`, which continues after them.
  public init(_ generator: inout LegacyGenerator, rows: Int, columns: Int, memoryLimit: Int = 256 << 20) {
    (self.rows, self.columns) = (rows, columns)
    if rows * columns * 8 <= memoryLimit {
      drawn = generator.normals(count: rows * columns)
      return
    }
    rowGenerators.reserveCapacity(rows)
    for _ in 0..<rows {
      rowGenerators.append(generator)
      generator.skipNormals(count: columns)
    }
  }

  /// The next `count` columns, transposed: count × rows, row-major.
  public mutating func next(columns count: Int) -> [Double] {
    precondition(nextColumn + count <= columns, "columns \(nextColumn)..<\(nextColumn + count) of \(columns)")
    defer { nextColumn += count }
    var block = [Double](repeating: 0, count: count * rows)
    if let drawn {
      for j in 0..<count {
        for i in 0..<rows { block[j * rows + i] = drawn[i * columns + nextColumn + j] }
      }
    } else {
      for i in 0..<rows {
        for j in 0..<count { block[j * rows + i] = rowGenerators[i].nextNormal() }
      }
    }
    return block
  }
}
