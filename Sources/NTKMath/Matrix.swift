/// A dense float64 matrix stored row-major: element (i, j) at `values[i * columns + j]`.
/// Data matrices are samples × features; weight matrices are outputs × inputs.
public struct Matrix: Equatable, Sendable {
  public var rows: Int
  public var columns: Int
  public var values: [Double]

  public init(rows: Int, columns: Int, values: [Double]) {
    precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
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
    Matrix(rows: range.count, columns: columns,
           values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
  }

  /// Applies `transform` to every element.
  public func map(_ transform: (Double) -> Double) -> Matrix {
    Matrix(rows: rows, columns: columns, values: values.map(transform))
  }

  /// The elementwise (Hadamard) product.
  public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(lhs.shape == rhs.shape, "elementwise product of \(lhs.shape) and \(rhs.shape)")
    return Matrix(rows: lhs.rows, columns: lhs.columns, values: zip(lhs.values, rhs.values).map(*))
  }

  public static prefix func - (matrix: Matrix) -> Matrix { matrix.map { -$0 } }

  /// True when every element is finite (no NaN, no ±∞).
  public var isFinite: Bool { values.allSatisfy { $0.isFinite } }
}
