import COpenBLAS

/// Matrix products through OpenBLAS's CBLAS, row-major.
public enum BLAS {
  /// C = op(A) · op(B), where op(M) is M or Mᵀ.
  public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(k == kb, "product of \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "")")
    var c = Matrix(rows: m, columns: n)
    if m == 0 || n == 0 { return c }
    if k == 0 { return c }
    a.values.withUnsafeBufferPointer { pa in
      b.values.withUnsafeBufferPointer { pb in
        c.values.withUnsafeMutableBufferPointer { pc in
          cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1.0,
            pa.baseAddress, Int32(max(a.columns, 1)), pb.baseAddress, Int32(max(b.columns, 1)),
            0.0, pc.baseAddress, Int32(max(n, 1)))
        }
      }
    }
    return c
  }

  /// y = op(A) · x + bias for a row-major A, op(A) = A or Aᵀ.
  public static func product(
    _ a: Matrix, vector x: [Double], adding bias: Double = 0, transposeA: Bool = false
  )
    -> [Double]
  {
    let (m, n) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    precondition(x.count == n, "product of \(a.shape)\(transposeA ? "ᵀ" : "") and a vector of \(x.count)")
    var y = [Double](repeating: bias, count: m)
    if a.rows == 0 || a.columns == 0 { return y }
    a.values.withUnsafeBufferPointer { pa in
      x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          cblas_dgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, Int32(a.rows), Int32(a.columns), 1.0,
            pa.baseAddress, Int32(a.columns), px.baseAddress, 1, 1.0, py.baseAddress, 1)
        }
      }
    }
    return y
  }

  /// AᵀA for an n × k A, upper triangle only (dsyrk: half a product's n·k² flops); the lower triangle is zero.
  public static func crossProduct(_ a: Matrix) -> Matrix {
    let k = a.columns
    var c = Matrix(rows: k, columns: k)
    if a.rows == 0 || k == 0 { return c }
    a.values.withUnsafeBufferPointer { pa in
      c.values.withUnsafeMutableBufferPointer { pc in
        cblas_dsyrk(
          CblasRowMajor, CblasUpper, CblasTrans, Int32(k), Int32(a.rows), 1.0, pa.baseAddress, Int32(k), 0.0,
          pc.baseAddress, Int32(k))
      }
    }
    return c
  }
}
