import NTKMath

/// Solution polishing (Stellato, Banjac, Goulart, Bemporad & Boyd, "OSQP: an
/// operator splitting solver for quadratic programs", Math. Prog. Comp.
/// 2020, §5.2): from an approximate α, guess which bounds are active — α_i = 0,
/// α_i = C (the set U), or free (F) — and solve what remains exactly. The free
/// samples sit on the margin, y_i (w·g_i + b) = 1, and the bias's constraint
/// holds; with β_i = y_i α_i on F,
///
///     [K_FF  1] [β_F]   [y_F − G_F w_U ]
///     [1ᵀ    0] [ b ] = [−C Σ_{i∈U} y_i],   K_FF = G_F G_Fᵀ,   w_U = C Σ_{i∈U} y_i g_i.
///
/// Where |F| > p + 1 makes K_FF singular the solutions form an affine set:
/// alternating projections onto it (by a pseudo-inverse) and onto the box
/// [0, C] find a point of it that is feasible. The guess is then corrected
/// by the primal-dual active-set rule (Hintermüller, Ito & Kunisch, SIAM J.
/// Optim. 13, 2003: a semismooth Newton method), with G_i = y_i (w·g_i + b) − 1
/// the dual objective's gradient: i is at 0 if α_i − c G_i ≤ 0, at C if
/// α_i − c G_i ≥ C, free otherwise (c = 1/mean ‖g_i‖², the scale of a
/// coordinate step), until the sets repeat. Near the optimum of a
/// non-degenerate problem this takes a step or two and is exact to rounding,
/// where coordinate descent creeps. The result is judged only by its certificate.
enum Polish {
  /// The polished α of each active-set step (the first from α's own guess),
  /// until a guess has more free samples than `maxFree` or the sets repeat.
  static func candidates(
    alpha start: [Double], y: [Double], C: Double, rows: FeatureRows, samples: SampleAccess,
    squaredNorms: [Double], maxFree: Int, iterations: Int = 6
  ) -> [[Double]] {
    let m = y.count
    let c = Double(m) / max(squaredNorms.reduce(0, +), .leastNormalMagnitude)
    // Coordinate descent clamps α to its bounds exactly: the first guess is α's own.
    var state = (0..<m).map { start[$0] <= 0 ? Bound.lower : start[$0] >= C ? .upper : .free }
    var found: [[Double]] = []
    for _ in 0..<iterations {
      let free = (0..<m).filter { state[$0] == .free }
      let upper = (0..<m).filter { state[$0] == .upper }
      guard !free.isEmpty, free.count <= maxFree else { break }
      let (alpha, bias) = solve(
        found.last ?? start, free: free, upper: upper, y: y, C: C, rows: rows, samples: samples)
      found.append(alpha)
      // The gradient at the new point, and the sets it predicts.
      var w = [Double](repeating: 0, count: samples.featureCount)
      var next = state
      w.withUnsafeMutableBufferPointer { w in
        for i in 0..<m where alpha[i] != 0 { samples.add(y[i] * alpha[i], times: i, to: w.baseAddress!) }
        for i in 0..<m {
          let t = alpha[i] - c * (y[i] * (samples.dot(i, w.baseAddress!) + bias) - 1)
          next[i] = t <= 0 ? .lower : t >= C ? .upper : .free
        }
      }
      if next == state { break }
      state = next
    }
    return found
  }

  enum Bound { case lower, upper, free }

  /// α with U at C, the rest of the complement of F at 0, and F from the
  /// system (a box-feasible solution where there are many), with b.
  static func solve(
    _ alpha: [Double], free: [Int], upper: [Int], y: [Double], C: Double, rows: FeatureRows, samples: SampleAccess
  ) -> (alpha: [Double], bias: Double) {
    let n = free.count
    var system = Matrix(rows: n + 1, columns: n + 1)
    var right = [Double](repeating: 0, count: n + 1)
    var wUpper = [Double](repeating: 0, count: samples.featureCount)
    wUpper.withUnsafeMutableBufferPointer { w in
      for i in upper { samples.add(C * y[i], times: i, to: w.baseAddress!) }
      for (k, i) in free.enumerated() { right[k] = y[i] - samples.dot(i, w.baseAddress!) }
    }
    right[n] = -C * upper.reduce(0) { $0 + y[$1] }
    let kernel = rows.subset(free).gram()
    for r in 0..<n {
      for c in 0..<n { system[r, c] = kernel[r, c] }
      system[r, n] = 1
      system[n, r] = 1
    }
    let project = AffineProjection(system, right)
    var x = project(free.map { y[$0] * min(max(alpha[$0], 0), C) } + [0])
    for _ in 0..<200 {
      let outside = (0..<n).reduce(0.0) { worst, k in max(worst, -y[free[k]] * x[k], y[free[k]] * x[k] - C) }
      if outside <= 1e-12 * C { break }
      for k in 0..<n { x[k] = y[free[k]] * min(max(y[free[k]] * x[k], 0), C) }
      x = project(x)
    }
    var polished = [Double](repeating: 0, count: alpha.count)
    for i in upper { polished[i] = C }
    for (k, i) in free.enumerated() { polished[i] = min(max(y[i] * x[k], 0), C) }
    return (polished, x[n])
  }
}

/// The orthogonal projection onto {x : M x = r} for a symmetric M with r in
/// its range: x ↦ x − M⁺(M x − r), M⁺ from M's eigendecomposition
/// (eigenvalues below 10⁻¹² of the largest count as zero).
struct AffineProjection {
  let matrix: Matrix
  let right: [Double]
  /// 1/λ, or 0 for a λ counted as zero.
  let inverses: [Double]
  /// The eigenvectors, one per row.
  let vectors: Matrix

  init(_ matrix: Matrix, _ right: [Double], relativeCutoff: Double = 1e-12) {
    self.matrix = matrix
    self.right = right
    let (lambda, vectors) = matrix.symmetricEigendecomposition()
    let cutoff = relativeCutoff * lambda.map(abs).max()!
    inverses = lambda.map { abs($0) > cutoff ? 1 / $0 : 0 }
    self.vectors = vectors
  }

  /// M⁺ r: the solution of least norm.
  var leastNormSolution: [Double] { self([Double](repeating: 0, count: right.count)) }

  func callAsFunction(_ x: [Double]) -> [Double] {
    var residual = BLAS.product(matrix, vector: x)
    for k in residual.indices { residual[k] -= right[k] }
    var coordinates = BLAS.product(vectors, vector: residual)
    for k in coordinates.indices { coordinates[k] *= inverses[k] }
    let correction = BLAS.product(vectors, vector: coordinates, transposeA: true)
    return zip(x, correction).map { $0 - $1 }
  }
}

extension FeatureRows {
  /// The rows at `indices`.
  func subset(_ indices: [Int]) -> FeatureRows {
    switch self {
    case .dense(let f): return .dense(f.rows(at: indices))
    case .factored(let factors):
      return .factored(
        factors.map { TangentFactors(delta: $0.delta.rows(at: indices), input: $0.input.rows(at: indices)) })
    }
  }
}
