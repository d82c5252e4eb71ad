import LegacyRandom
import NTKMath
import Testing

/// The Nyström approximation: exact on the landmarks, a symmetric
/// pseudo-inverse square root, and the eigendecomposition behind it.
@Suite struct NystromTests {
  static let ntk = InfiniteWidthNTK(inputDimension: 5, hiddenWidths: [7, 3])

  static func inputs(_ n: Int, seed: UInt32) -> Matrix {
    var generator = LegacyGenerator(seed: seed)
    return Matrix(rows: n, columns: 5, values: generator.normals(count: n * 5))
  }

  static func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
    zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
  }

  /// V diag(λ) Vᵀ = A, V orthonormal, λ ascending.
  @Test func eigendecompositionReconstructs() {
    let k = Self.ntk.kernel(of: Self.inputs(20, seed: 1), layers: 0..<3)
    let (values, vectors) = k.symmetricEigendecomposition()
    #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
    var scaled = vectors
    for j in 0..<20 { for c in 0..<20 { scaled[j, c] *= values[j] } }
    let reconstructed = BLAS.product(vectors, scaled, transposeA: true)
    #expect(Self.maxDifference(reconstructed, k) <= 1e-12 * values.last!)
    let identity = BLAS.product(vectors, vectors, transposeB: true)
    let expected = Matrix(rows: 20, columns: 20, values: (0..<400).map { $0 % 21 == 0 ? 1 : 0 })
    #expect(Self.maxDifference(identity, expected) <= 1e-13)
    #expect(abs(values.last! - k.largestSymmetricEigenvalue()) <= 1e-12 * values.last!)
  }

  /// Φ(L) Φ(L)ᵀ = K(L, L); S symmetric with S K S = I.
  @Test(arguments: [0..<1, 2..<3, 0..<3])
  func exactOnTheLandmarks(layers: Range<Int>) {
    let landmarks = Self.inputs(30, seed: 2)
    let k = Self.ntk.kernel(of: landmarks, layers: layers)
    let nystrom = NystromApproximation(landmarkKernel: k)
    #expect(nystrom.rank == 30)
    let s = nystrom.inverseSquareRoot
    let identity = Matrix(rows: 30, columns: 30, values: (0..<900).map { $0 % 31 == 0 ? 1 : 0 })
    #expect(Self.maxDifference(BLAS.product(BLAS.product(s, k), s), identity) <= 1e-9)
    for i in 0..<30 { for j in 0..<i { #expect(abs(s[i, j] - s[j, i]) <= 1e-12 * abs(s[i, i])) } }
    let phi = nystrom.features(crossKernel: k)
    #expect(Self.maxDifference(BLAS.product(phi, phi, transposeB: true), k) <= 1e-10 * nystrom.eigenvalues.last!)
    // In blocks of rows, the same Φ.
    let blocked = nystrom.features(samples: 30, blockRows: 7, crossKernel: { k.rows($0) })
    #expect(Self.maxDifference(blocked, phi) <= 1e-13 * phi.values.map(abs).max()!)
  }

  /// A singular K(L, L) (rank 5 of 11): its null direction is dropped, and
  /// Φ still reproduces it.
  @Test func singularLandmarkKernelIsAPseudoInverse() {
    let a = Self.inputs(11, seed: 3)  // 11 × 5: A Aᵀ has rank 5
    let k = BLAS.product(a, a, transposeB: true)
    let nystrom = NystromApproximation(landmarkKernel: k)
    #expect(nystrom.rank == 5)
    let phi = nystrom.features(crossKernel: k)
    #expect(Self.maxDifference(BLAS.product(phi, phi, transposeB: true), k) <= 1e-12 * nystrom.eigenvalues.last!)
    #expect(nystrom.inverseSquareRoot.values.allSatisfy { $0.isFinite })
  }
}
