import NTKMath
import Testing

/// The exact large-m alignment formulas (feature Gram, kernel rows in blocks) against the
/// definition on the m × m kernel, for dense and factored features; the spectrum's target power.
@Suite struct KernelAlignmentTests {
  /// A and A_c straight from the definition: K_c = HKH formed entry by entry.
  static func definition(_ k: Matrix, _ y: [Double]) -> (Double, Double) {
    let m = y.count
    let mean = y.reduce(0, +) / Double(m)
    let yc = y.map { $0 - mean }
    let rowMeans = (0..<m).map { i in (0..<m).reduce(0.0) { $0 + k[i, $1] } / Double(m) }
    let total = rowMeans.reduce(0, +) / Double(m)
    var (kyy, kk, cyy, cc) = (0.0, 0.0, 0.0, 0.0)
    for i in 0..<m {
      for j in 0..<m {
        let c = k[i, j] - rowMeans[i] - rowMeans[j] + total
        kyy += y[i] * k[i, j] * y[j]
        kk += k[i, j] * k[i, j]
        cyy += yc[i] * c * yc[j]
        cc += c * c
      }
    }
    return (
      kyy / (kk.squareRoot() * y.reduce(0) { $0 + $1 * $1 }), cyy / (cc.squareRoot() * yc.reduce(0) { $0 + $1 * $1 })
    )
  }

  static func relativelyClose(_ a: Double, _ b: Double, _ tolerance: Double = 1e-11) -> Bool {
    abs(a - b) <= tolerance * abs(b)
  }

  /// Unbalanced labels (ȳ ≠ 0), so that centring matters.
  static func labels(_ m: Int) -> [Double] { (0..<m).map { ($0 * 7) % 5 < 3 ? 1 : -1 } }

  @Test(arguments: [UInt32(5), 11])
  func bothMethodsMatchTheDefinitionDenseAndFactored(seed: UInt32) {
    let (dense, factored, _) = FactoredFeaturesTests.rows(seed: seed)
    let y = Self.labels(dense.sampleCount)
    let (a, ac) = Self.definition(dense.gram(), y)
    for rows in [dense, factored] {
      for method in KernelAlignment.Method.allCases {
        let (alignment, used) = KernelAlignment.ofFeatures(labels: y, features: rows, method: method)
        #expect(used == method)
        #expect(alignment.samples == y.count)
        #expect(Self.relativelyClose(alignment.uncentred, a), "\(method): \(alignment.uncentred) against \(a)")
        #expect(Self.relativelyClose(alignment.centred, ac), "\(method): \(alignment.centred) against \(ac)")
      }
    }
  }

  @Test func kernelRowsInAnyBlockSizeAgree() {
    let (dense, _, _) = FactoredFeaturesTests.rows(seed: 3)
    let y = Self.labels(dense.sampleCount)
    let whole = KernelAlignment.fromKernelRows(labels: y, blockRows: y.count) { dense.gram(rows: $0) }
    for blockRows in [1, 7, 29] {
      let blocked = KernelAlignment.fromKernelRows(labels: y, blockRows: blockRows) { dense.gram(rows: $0) }
      #expect(Self.relativelyClose(blocked.uncentred, whole.uncentred, 1e-13))
      #expect(Self.relativelyClose(blocked.centred, whole.centred, 1e-12))
    }
  }

  /// A kernel that is yyᵀ aligns perfectly (A = 1); a constant kernel has no centred part.
  @Test func limitingCases() {
    let y = Self.labels(12)
    let target = Matrix(rows: 12, columns: 12, values: y.flatMap { a in y.map { a * $0 } })
    let perfect = KernelAlignment.fromKernelRows(labels: y, blockRows: 5) { target.rows($0) }
    #expect(abs(perfect.uncentred - 1) < 1e-14)
    let constant = Matrix(rows: 12, columns: 12, repeating: 2)
    let flat = KernelAlignment.fromKernelRows(labels: y, blockRows: 5) { constant.rows($0) }
    #expect(flat.centredFrobeniusNorm < 1e-12 * flat.frobeniusNorm)
  }

  /// Eigenvalues of K/n descending, the target power non-negative and summing to 1.
  @Test func spectrumOfTheGram() {
    let (dense, _, _) = FactoredFeaturesTests.rows(seed: 7)
    let k = dense.gram()
    let y = Self.labels(k.rows)
    let spectrum = KernelSpectrum(kernel: k, labels: y)
    #expect(zip(spectrum.eigenvalues, spectrum.eigenvalues.dropFirst()).allSatisfy { $0 >= $1 })
    #expect(spectrum.targetPower.allSatisfy { $0 >= 0 })
    #expect(abs(spectrum.cumulativeTargetPower.last! - 1) < 1e-12)
    // The trace: Σ λ_k = tr(K)/n.
    let trace = (0..<k.rows).reduce(0.0) { $0 + k[$1, $1] } / Double(k.rows)
    #expect(Self.relativelyClose(spectrum.eigenvalues.reduce(0, +), trace, 1e-12))
    // yᵀ(K/n)y/‖y‖² = Σ λ_k π_k.
    let ky = BLAS.product(k, vector: y)
    let quadratic = zip(y, ky).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(k.rows) / y.reduce(0) { $0 + $1 * $1 }
    let weighted = zip(spectrum.eigenvalues, spectrum.targetPower).reduce(0.0) { $0 + $1.0 * $1.1 }
    #expect(Self.relativelyClose(weighted, quadratic, 1e-11))
  }

  /// The eigenvalues and projections without eigenvectors against the full decomposition (dsyevr),
  /// on a kernel with a spread spectrum (projections compared where eigenvalues are apart).
  @Test func projectionsWithoutEigenvectorsMatchTheDecomposition() {
    let (dense, _, _) = FactoredFeaturesTests.rows(seed: 13)
    var k = dense.gram()
    for i in 0..<k.rows { k[i, i] += Double(i) * 0.01 }  // full rank, distinct eigenvalues
    let y = Self.labels(k.rows)
    let (values, projections) = k.symmetricEigenvalues(projecting: y)
    let (expected, vectors) = k.symmetricEigendecomposition()
    let expectedProjections = BLAS.product(vectors, vector: y)
    let scale = expected.last!
    for j in values.indices {
      #expect(abs(values[j] - expected[j]) <= 1e-12 * scale)
      let apart = (j == 0 || expected[j] - expected[j - 1] > 1e-6 * scale)
        && (j == values.count - 1 || expected[j + 1] - expected[j] > 1e-6 * scale)
      if apart { #expect(abs(abs(projections[j]) - abs(expectedProjections[j])) <= 1e-9) }
    }
  }
}
