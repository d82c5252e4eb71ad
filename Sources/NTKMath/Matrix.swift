/// A dense float64 matrix stored row-major: element (i, j) at `values[i * columns + j]`.
/// Data matrices are samples × features; weight matrices are outputs × inputs.
public struct Matrix: Equatable, Sendable {
  public var rows: Int
  public var columns: Int
  public var values: [Double]

  public init(rows: Int, columns: Int, values: [Double]) {
    precondition(
      rows >= 0 && columns >= 0 && values.count == rows * columns,
      "matrix of \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    self.init(rows: rows, columns: columns, values: [Double](repeating: value, count: rows * columns))
  }

  public subscript(row: Int, column: Int) -> Double {
    get { values[row * columns + column] }
    set { values[row * columns + column] = newValue }
  }

  public var shape: [Int] { [rows, columns] }

  /// Rows `range` as a new matrix.
  public func rows(_ range: Range<Int>) -> Matrix {
    Matrix(
      rows: range.count, columns: columns,
      values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
  }

  /// Applies `transform` to every element.
  /// (Inlinable, so that a stage's `map(relu)` compiles to a plain loop.)
  @inlinable public func map(_ transform: (Double) -> Double) -> Matrix {
    let count = values.count
    let result = values.withUnsafeBufferPointer { x in
      [Double](unsafeUninitializedCapacity: count) { y, initialized in
        for i in 0..<count { y[i] = transform(x[i]) }
        initialized = count
      }
    }
    return Matrix(rows: rows, columns: columns, values: result)
  }

  /// The elementwise (Hadamard) product.
  @inlinable public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(lhs.shape == rhs.shape, "elementwise product of \(lhs.shape) and \(rhs.shape)")
    let count = lhs.values.count
    let result = lhs.values.withUnsafeBufferPointer { a in
      rhs.values.withUnsafeBufferPointer { b in
        [Double](unsafeUninitializedCapacity: count) { c, initialized in
          for i in 0..<count { c[i] = a[i] * b[i] }
          initialized = count
        }
      }
    }
    return Matrix(rows: lhs.rows, columns: lhs.columns, values: result)
  }

  @inlinable public static prefix func - (matrix: Matrix) -> Matrix { matrix.map { -$0 } }

  /// The matrices side by side: [A | B | …], all with the same number of rows.
  public static func concatenatingColumns(_ parts: [Matrix]) -> Matrix {
    guard parts.count > 1 else { return parts.first ?? Matrix(rows: 0, columns: 0) }
    let rows = parts[0].rows
    precondition(parts.allSatisfy { $0.rows == rows }, "concatenating columns of \(parts.map(\.shape))")
    var values: [Double] = []
    values.reserveCapacity(rows * parts.reduce(0) { $0 + $1.columns })
    for r in 0..<rows {
      for part in parts { values += part.values[(r * part.columns)..<((r + 1) * part.columns)] }
    }
    return Matrix(rows: rows, columns: values.count / max(rows, 1), values: values)
  }

}
