import COpenBLAS

/// Kernel–target alignment (Cristianini et al. 2002) of an m × m kernel K
/// with labels y, uncentred and centred (Cortes, Mohri & Rostamizadeh 2012):
///
///     A   = yᵀ K y / (‖K‖_F ‖y‖²)
///     A_c = y_cᵀ K_c y_c / (‖K_c‖_F ‖y_c‖²),   K_c = H K H,  y_c = H y,  H = I − 11ᵀ/m.
///
/// Since H is idempotent, y_cᵀ K_c y_c = y_cᵀ K y_c. Both lie in [0, 1] for a
/// positive semi-definite K. The parts are kept for the artifact.
public struct KernelAlignment: Equatable, Sendable {
  /// yᵀ K y.
  public var targetQuadratic: Double
  /// ‖K‖_F.
  public var frobeniusNorm: Double
  /// y_cᵀ K_c y_c.
  public var centredTargetQuadratic: Double
  /// ‖K_c‖_F.
  public var centredFrobeniusNorm: Double
  /// ‖y‖² and ‖y_c‖².
  public var labelSquaredNorm: Double
  public var centredLabelSquaredNorm: Double
  /// m, the samples K is the kernel of.
  public var samples: Int

  public init(
    targetQuadratic: Double, frobeniusNorm: Double, centredTargetQuadratic: Double, centredFrobeniusNorm: Double,
    labelSquaredNorm: Double, centredLabelSquaredNorm: Double, samples: Int
  ) {
    self.targetQuadratic = targetQuadratic
    self.frobeniusNorm = frobeniusNorm
    self.centredTargetQuadratic = centredTargetQuadratic
    self.centredFrobeniusNorm = centredFrobeniusNorm
    self.labelSquaredNorm = labelSquaredNorm
    self.centredLabelSquaredNorm = centredLabelSquaredNorm
    self.samples = samples
  }

  /// A; NaN for a zero kernel or zero labels.
  public var uncentred: Double { targetQuadratic / (frobeniusNorm * labelSquaredNorm) }
  /// A_c; NaN for a constant kernel or labels of one class.
  public var centred: Double { centredTargetQuadratic / (centredFrobeniusNorm * centredLabelSquaredNorm) }

  /// y_c = y − ȳ.
  static func centred(_ y: [Double]) -> [Double] {
    let mean = y.reduce(0, +) / Double(max(y.count, 1))
    return y.map { $0 - mean }
  }

  static func squaredNorm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }

  /// The alignment from the kernel's rows, handed over in blocks and never
  /// stored: `rows(r)` is K[r, :] (|r| × m). One pass accumulates ‖K‖_F²,
  /// K1, yᵀKy and y_cᵀKy_c; then, with J = 11ᵀ and H = I − J/m idempotent,
  ///
  ///     ‖HKH‖_F² = tr(KHKH) = ‖K‖_F² − (2/m)‖K1‖² + (1ᵀK1)²/m².
  ///
  /// (Its cancellation costs about ε·‖K‖_F²/‖K_c‖_F² relative: negligible unless
  /// K is nearly constant.) Time m² times the cost of an entry, memory one block.
  public static func fromKernelRows(
    labels y: [Double], blockRows: Int, rows: (Range<Int>) -> Matrix
  ) -> KernelAlignment {
    let m = y.count
    let yc = centred(y)
    var squaredFrobenius = 0.0, quadratic = 0.0, centredQuadratic = 0.0
    var rowSums = [Double](repeating: 0, count: m)
    for start in stride(from: 0, to: m, by: max(blockRows, 1)) {
      let range = start..<min(start + max(blockRows, 1), m)
      let block = rows(range)
      precondition(block.rows == range.count && block.columns == m, "kernel rows \(range) of \(m): \(block.shape)")
      let ky = BLAS.product(block, vector: y)
      let kyc = BLAS.product(block, vector: yc)
      for (r, i) in range.enumerated() {
        quadratic += y[i] * ky[r]
        centredQuadratic += yc[i] * kyc[r]
      }
      block.values.withUnsafeBufferPointer { b in
        for r in 0..<range.count {
          var sum = 0.0, squares = 0.0
          for j in 0..<m {
            let v = b[r * m + j]
            sum += v
            squares += v * v
          }
          rowSums[range.lowerBound + r] = sum
          squaredFrobenius += squares
        }
      }
    }
    let total = rowSums.reduce(0, +)
    let mm = Double(m)
    let centredSquared = squaredFrobenius - 2 / mm * squaredNorm(rowSums) + total * total / (mm * mm)
    return KernelAlignment(
      targetQuadratic: quadratic, frobeniusNorm: squaredFrobenius.squareRoot(),
      centredTargetQuadratic: centredQuadratic, centredFrobeniusNorm: max(centredSquared, 0).squareRoot(),
      labelSquaredNorm: squaredNorm(y), centredLabelSquaredNorm: squaredNorm(yc), samples: m)
  }

  /// The alignment of K = G Gᵀ, G the m × p tangent features, from the p × p
  /// feature Gram matrices (never an m × m matrix), with ḡ = Gᵀ1/m the mean row:
  ///
  ///     yᵀKy = ‖Gᵀy‖²,   y_cᵀK_c y_c = ‖Gᵀy_c‖²,
  ///     ‖K_c‖_F = ‖C‖_F,  C = (G − 1ḡᵀ)ᵀ(G − 1ḡᵀ)   (the column-centred rows, by dsyrk),
  ///     ‖K‖_F = ‖GᵀG‖_F,  GᵀG = C + m ḡḡᵀ
  ///
  /// (G Gᵀ and GᵀG share their non-zero eigenvalues, so their Frobenius norms
  /// agree; the centred rows are formed explicitly, so the centred norm has no
  /// cancellation). Time about m·p², memory p² + a block of expanded rows.
  public static func fromFeatureGram(labels y: [Double], features g: FeatureRows) -> KernelAlignment {
    let m = y.count
    precondition(g.sampleCount == m, "\(g.sampleCount) feature rows for \(m) labels")
    let all = Array(0..<m)
    let yc = centred(y)
    let gy = g.combination(of: all, coefficients: y)
    let gyc = g.combination(of: all, coefficients: yc)
    let mean = g.combination(of: all, coefficients: [Double](repeating: 1 / Double(m), count: m))
    let p = mean.count
    var c = [Double](repeating: 0, count: p * p)
    let blockRows = max(1, min(1024, (1 << 20) / max(p, 1)))
    c.withUnsafeMutableBufferPointer { pc in
      for start in stride(from: 0, to: m, by: blockRows) {
        var rows = g.expandedRows(start..<min(start + blockRows, m))
        rows.values.withUnsafeMutableBufferPointer { f in
          for r in 0..<rows.rows {
            for j in 0..<p { f[r * p + j] -= mean[j] }
          }
          cblas_dsyrk(
            CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(rows.rows), 1, f.baseAddress, Int32(p),
            start == 0 ? 0 : 1, pc.baseAddress, Int32(p))
        }
      }
    }
    // The upper triangle holds C; each off-diagonal entry counts twice in the Frobenius norm.
    var centredSquared = 0.0, squared = 0.0
    let mm = Double(m)
    for i in 0..<p {
      for j in i..<p {
        let weight = i == j ? 1.0 : 2.0
        let centredEntry = c[i * p + j]
        let entry = centredEntry + mm * mean[i] * mean[j]
        centredSquared += weight * centredEntry * centredEntry
        squared += weight * entry * entry
      }
    }
    return KernelAlignment(
      targetQuadratic: squaredNorm(gy), frobeniusNorm: squared.squareRoot(),
      centredTargetQuadratic: squaredNorm(gyc), centredFrobeniusNorm: centredSquared.squareRoot(),
      labelSquaredNorm: squaredNorm(y), centredLabelSquaredNorm: squaredNorm(yc), samples: m)
  }

  /// How the alignment of a finite tangent kernel G Gᵀ is computed.
  public enum Method: String, Sendable, CaseIterable {
    /// The p × p feature Gram matrices (fromFeatureGram).
    case featureGram = "feature-gram"
    /// The kernel's rows in blocks, never stored (fromKernelRows with FeatureRows.gram).
    case sampleBlocks = "sample-blocks"

    public var description: String {
      switch self {
      case .featureGram:
        return "from the p × p feature Gram matrices: yᵀKy = ‖Gᵀy‖², ‖K‖_F = ‖GᵀG‖_F, centred with the "
          + "column-centred features (about m·p² operations)"
      case .sampleBlocks:
        return "from the m × m kernel's rows in blocks, never stored: ‖HKH‖_F² = ‖K‖_F² − (2/m)‖K1‖² + (1ᵀK1)²/m² "
          + "(about m²·c operations, c = p dense or Σ(out + in) factored)"
      }
    }
  }

  /// The cheaper way for m samples of these features: m·p² operations for the
  /// feature Gram (when its p² entries fit `gramMemory` bytes) against about
  /// 2·m²·c for the kernel's rows (c = p for dense rows; Σ_k (out_k + in_k) + 1
  /// for factored ones, each block's entry a product of two inner products).
  public static func cheaperMethod(samples m: Int, features g: FeatureRows, gramMemory: Int = 1 << 30) -> Method {
    let (p, c) = g.alignmentCosts
    guard Double(p) * Double(p) * 8 <= Double(gramMemory) else { return .sampleBlocks }
    return Double(m) * Double(p) * Double(p) <= 2 * Double(m) * Double(m) * Double(c) ? .featureGram : .sampleBlocks
  }

  /// The alignment of the finite tangent kernel G Gᵀ by `method` (default: the cheaper).
  public static func ofFeatures(
    labels y: [Double], features g: FeatureRows, method: Method? = nil
  )
    -> (alignment: KernelAlignment, method: Method)
  {
    let method = method ?? cheaperMethod(samples: y.count, features: g)
    switch method {
    case .featureGram: return (fromFeatureGram(labels: y, features: g), method)
    case .sampleBlocks:
      let blockRows = max(1, min(y.count, (1 << 20) / max(y.count, 1)))
      return (fromKernelRows(labels: y, blockRows: blockRows) { g.gram(rows: $0) }, method)
    }
  }
}

extension FeatureRows {
  /// (p, the cost of one kernel entry in sample space: p dense, Σ(out + in) + 1 factored).
  var alignmentCosts: (features: Int, entry: Int) {
    switch self {
    case .dense(let f): return (f.columns, f.columns)
    case .factored(let factors):
      return (
        factors.reduce(0) { $0 + $1.featureCount },
        factors.reduce(0) { $0 + $1.delta.columns + $1.input.columns + 1 }
      )
    }
  }
}

/// The spectrum of a kernel on n samples and the target's place in it: the
/// eigenvalues λ_k of K/n, descending (LAPACK's dsyevr,
/// Matrix.symmetricEigendecomposition), with unit eigenvectors v_k, and the
/// fraction of the labels' power in each eigendirection,
///
///     π_k = (v_kᵀ y)² / ‖y‖²,   Σ_{j ≤ k} π_j  (1 at k = n: the v_k are a basis).
///
/// A fast-decaying spectrum whose top directions hold most of π learns y from
/// few samples (Bordelon, Canatar & Pehlevan 2020; Canatar et al. 2021).
/// Within a repeated eigenvalue, π splits among the vectors arbitrarily; only
/// the cumulative sum at the end of such a group is determined. Time O(n³).
public struct KernelSpectrum: Equatable, Sendable {
  public var eigenvalues: [Double]
  public var targetPower: [Double]
  public var cumulativeTargetPower: [Double]

  /// The spectrum of `kernel` (n × n, symmetric) against labels y (n).
  public init(kernel: Matrix, labels y: [Double]) {
    let n = kernel.rows
    precondition(kernel.columns == n && y.count == n && n > 0, "a spectrum of \(kernel.shape) with \(y.count) labels")
    let scaled = kernel.map { $0 / Double(n) }
    let (values, projections) = scaled.symmetricEigenvalues(projecting: y)
    let norm = KernelAlignment.squaredNorm(y)
    eigenvalues = values.reversed()
    targetPower = projections.reversed().map { $0 * $0 / norm }
    var sum = 0.0
    cumulativeTargetPower = targetPower.map {
      sum += $0
      return sum
    }
  }
}
