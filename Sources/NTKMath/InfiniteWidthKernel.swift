import COpenBLAS
import Foundation

#if arch(x86_64)
  import _Builtin_intrinsics.intel
#endif

/// The infinite-width tangent kernel of the student f(x) = uᵀ relu(W_L … relu(W_1 x))
/// (no biases, every weight N(0, 1/fan_in), features = gradients wrt the raw
/// weights, as in `ReLUNetwork` and `TangentFactors`), by the arc-cosine recursion:
///
///     Σ¹(x,x′) = x·x′/d;   for l = 1 … L:  q = √(Σˡ(x,x)·Σˡ(x′,x′)),  θ = arccos(clamp(Σˡ(x,x′)/q, −1, 1)),
///     Σˡ⁺¹ = q/(2π)·(sin θ + (π − θ) cos θ),   Σ̇ˡ = (π − θ)/(2π);
///     Θ_{W_l} = Σˡ · Π_{k=l…L} Σ̇ᵏ,   Θ_u = Σᴸ⁺¹.
///
/// As the widths grow, the finite tangent kernel of W_l divided by its fan-in
/// n_{l−1} (n_0 = d) tends to Θ_{W_l}, and that of u divided by n_L to Θ_u. The
/// baseline K∞ of a selection of layers is Σ n_{l−1}·Θ_{W_l} (+ n_L·Θ_u) over
/// the selected layers (`scaledByFanIn: true`); without the fan-in it is the
/// sum of the Θ terms, which is neural-tangents' `'ntk'` kernel of the same
/// network in its NTK parameterisation when every layer is selected.
///
/// Layers are indexed as in `ReLUNetwork.layers`: 0 … L−1 are W_1 … W_L, L is
/// u; a selection is a range of them (`0..<L+1` is "all").
///
/// Computation: the Gram A·Bᵀ by one BLAS product, written into the output,
/// then per entry one pass up the layers in normalised form. With
/// ρ_l = Σˡ(x,x′)/q_l and q_l = |x||x′|/d · 2^{1−l} (the diagonal in closed
/// form, Σˡ(x,x) = |x|²/d · 2^{1−l}):
///
///     ρ_1 = x·x′/(|x||x′|),   θ_l = arccos ρ_l,   ρ_{l+1} = ρ_l + (sin θ_l − θ_l ρ_l)/π,   Σ̇ˡ = 1/2 − θ_l/(2π),
///
/// with sin θ_l = √((1 − ρ_l)(1 + ρ_l)): one arccos and one square root per
/// entry and layer, each θ shared by every selected term. The selected terms
/// accumulate as in Horner's scheme, t ← (t + c_l ρ_l)·Σ̇ˡ. A row of the block
/// is processed layer by layer, ρ in place of its Gram entries and t in one
/// row of scratch (O(b) memory, nothing per entry); `arccos` is branch-free so
/// those loops vectorise (about 20 ns an entry for L = 2, d = 25 on one core
/// on a shared machine here; neural-tangents' jitted kernel_fn took 50–110 on the same block).
///
/// Diagonal: on entries that pair a sample with itself (the symmetric
/// `kernel(rows:of:…)`), ρ_1 is set to exactly 1, so every θ is exactly 0 and
/// Σ̇ exactly 1/2: Θ_{W_l}(x,x) = Θ_u(x,x) = |x|²/d · 2^{−L}. Computed from the
/// rounded Gram entry, ρ_1 would be 1 − ε for ε of a few ulps, and
/// arccos(1 − ε) ≈ √(2ε) ≈ 2·10⁻⁸ would perturb Σ̇ in the 8th digit. Between
/// different samples θ comes from the rounded cosine as it is (a cosine above 1
/// is clamped to θ = 0); two distinct but parallel inputs therefore get θ of
/// about 10⁻⁸ rather than 0, as in any kernel computed from dot products.
/// A zero input has a zero row and column (Σ is 0 for it at every layer).
public struct InfiniteWidthNTK: Equatable, Sendable {
  /// d, the input dimension.
  public let inputDimension: Int
  /// n_1 … n_L.
  public let hiddenWidths: [Int]

  public init(inputDimension: Int, hiddenWidths: [Int]) {
    precondition(
      inputDimension > 0 && hiddenWidths.allSatisfy { $0 > 0 },
      "input dimension \(inputDimension) and widths \(hiddenWidths) must be positive")
    self.inputDimension = inputDimension
    self.hiddenWidths = hiddenWidths
  }

  /// The kernel of the architecture of `network` (its dimension and widths).
  public init(architectureOf network: ReLUNetwork) {
    self.init(inputDimension: network.inputDimension, hiddenWidths: network.hiddenWidths)
  }

  /// L + 1: W_1 … W_L and u.
  public var layerCount: Int { hiddenWidths.count + 1 }
  /// The fan-in of every layer: n_0 = d, n_1 … n_L.
  public var fanIns: [Int] { [inputDimension] + hiddenWidths }

  /// c_l such that the selected terms are Σ_l c_l ρ_l Π_{k≥l} Σ̇ᵏ (+ c_L ρ_{L+1}),
  /// in units of |x||x′|/d: c_l = [l selected] · (n_l or 1) · 2^{−l}.
  func coefficients(layers selection: Range<Int>, scaledByFanIn: Bool) -> [Double] {
    precondition(
      !selection.isEmpty && selection.lowerBound >= 0 && selection.upperBound <= layerCount,
      "layers \(selection) of a network with \(layerCount)")
    let fanIns = fanIns
    return (0..<layerCount).map { l in
      selection.contains(l)
        ? (scaledByFanIn ? Double(fanIns[l]) : 1) * Double(sign: .plus, exponent: -l, significand: 1) : 0
    }
  }

  /// The kernel between the rows of `a` (a × d) and of `b` (b × d): an a × b matrix.
  public func kernel(_ a: Matrix, _ b: Matrix, layers: Range<Int>, scaledByFanIn: Bool = true) -> Matrix {
    var k = Matrix(rows: a.rows, columns: b.rows)
    k.values.withUnsafeMutableBufferPointer { kernel(a, b, layers: layers, scaledByFanIn: scaledByFanIn, into: $0) }
    return k
  }

  /// Writes the kernel between the rows of `a` (a × d) and of `b` (b × d) into
  /// `output`, a × b row-major (output[i·b + j] = K(a_i, b_j)).
  public func kernel(
    _ a: Matrix, _ b: Matrix, layers: Range<Int>, scaledByFanIn: Bool = true,
    into output: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(
      a.columns == inputDimension && b.columns == inputDimension,
      "inputs of width \(a.columns) and \(b.columns) for a kernel on \(inputDimension)")
    precondition(output.count >= a.rows * b.rows, "an output of \(output.count) for \(a.rows)×\(b.rows)")
    a.values.withUnsafeBufferPointer { pa in
      b.values.withUnsafeBufferPointer { pb in
        fill(
          output, a: pa.baseAddress, rows: a.rows, b: pb.baseAddress, columns: b.rows,
          diagonal: nil, coefficients: coefficients(layers: layers, scaledByFanIn: scaledByFanIn))
      }
    }
  }

  /// Rows `rows` of the symmetric kernel K(X, X) of the rows of `x` (m × d): a
  /// rows.count × m matrix; all of it by default.
  public func kernel(rows: Range<Int>? = nil, of x: Matrix, layers: Range<Int>, scaledByFanIn: Bool = true) -> Matrix {
    let rows = rows ?? 0..<x.rows
    var k = Matrix(rows: rows.count, columns: x.rows)
    k.values.withUnsafeMutableBufferPointer {
      kernel(rows: rows, of: x, layers: layers, scaledByFanIn: scaledByFanIn, into: $0)
    }
    return k
  }

  /// Writes rows `rows` of the symmetric kernel K(X, X) of the rows of `x`
  /// (m × d) into `output`, rows.count × m row-major: output[r·m + j] =
  /// K(x_{rows.lowerBound + r}, x_j). Entries pairing a sample with itself have θ = 0 exactly.
  public func kernel(
    rows: Range<Int>, of x: Matrix, layers: Range<Int>, scaledByFanIn: Bool = true,
    into output: UnsafeMutableBufferPointer<Double>
  ) {
    precondition(x.columns == inputDimension, "inputs of width \(x.columns) for a kernel on \(inputDimension)")
    precondition(rows.lowerBound >= 0 && rows.upperBound <= x.rows, "rows \(rows) of \(x.rows)")
    precondition(output.count >= rows.count * x.rows, "an output of \(output.count) for \(rows.count)×\(x.rows)")
    x.values.withUnsafeBufferPointer { px in
      fill(
        output, a: px.baseAddress.map { $0 + rows.lowerBound * inputDimension }, rows: rows.count,
        b: px.baseAddress, columns: x.rows, diagonal: rows.lowerBound,
        coefficients: coefficients(layers: layers, scaledByFanIn: scaledByFanIn))
    }
  }

  /// The diagonal K(x_i, x_i) of the rows of `x`, in closed form (θ = 0 at every
  /// layer: Σ̇ = 1/2, Σˡ(x,x) = |x|²/d·2^{1−l}), as the symmetric kernel's diagonal:
  /// |x|²/d · (Σ_l c_l 2^{l−L} + c_L) in the units of `coefficients`.
  public func diagonal(of x: Matrix, layers: Range<Int>, scaledByFanIn: Bool = true) -> [Double] {
    precondition(x.columns == inputDimension, "inputs of width \(x.columns) for a kernel on \(inputDimension)")
    let c = coefficients(layers: layers, scaledByFanIn: scaledByFanIn)
    var t = 0.0
    for l in 0..<hiddenWidths.count { t = (t + c[l]) * 0.5 }
    let factor = t + c[hiddenWidths.count]
    return (0..<x.rows).map { i in
      var squared = 0.0
      for j in 0..<inputDimension { squared += x[i, j] * x[i, j] }
      return squared / Double(inputDimension) * factor
    }
  }

  /// K∞ of the selection, spelled with its fan-ins, for the artifact.
  public static func formula(_ name: String, fanIns: [Int], selection: Range<Int>, layerNames: [String]) -> String {
    let terms = selection.map { "\(fanIns[$0])·Θ_\(layerNames[$0])" }.joined(separator: " + ")
    return "K∞ = \(terms): the arc-cosine recursion Σ¹ = x·x′/d, Σˡ⁺¹ = q/(2π)(sin θ + (π − θ) cos θ), "
      + "Σ̇ˡ = (π − θ)/(2π); Θ_{W_l} = Σˡ Π_{k≥l} Σ̇ᵏ, Θ_u = Σᴸ⁺¹ (layer \(name))"
  }

  /// The Gram matrix into `output`, then the recursion in place. Row r of `a`
  /// is the same sample as row r + diagonal of `b` when `diagonal` is given.
  private func fill(
    _ output: UnsafeMutableBufferPointer<Double>, a: UnsafePointer<Double>?, rows: Int,
    b: UnsafePointer<Double>?, columns: Int, diagonal: Int?, coefficients c: [Double]
  ) {
    guard rows > 0 && columns > 0, let a, let b, let out = output.baseAddress else { return }
    let d = inputDimension
    cblas_dgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(d), 1.0,
      a, Int32(d), b, Int32(d), 0.0, out, Int32(columns))

    // Per sample: |x|/√d (q_1 is the product of two) and 1/|x| (0 for a zero input).
    func norms(_ p: UnsafePointer<Double>, _ n: Int) -> (scale: [Double], inverse: [Double]) {
      var scale = [Double](repeating: 0, count: n), inverse = [Double](repeating: 0, count: n)
      for s in 0..<n {
        let norm = squaredNorm(p + s * d).squareRoot()
        scale[s] = norm / Double(d).squareRoot()
        inverse[s] = norm > 0 ? 1 / norm : 0
      }
      return (scale, inverse)
    }
    func squaredNorm(_ x: UnsafePointer<Double>) -> Double {
      var sum = 0.0
      for j in 0..<d { sum += x[j] * x[j] }
      return sum
    }
    let (scaleB, inverseB) = norms(b, columns)
    let (scaleA, inverseA) =
      diagonal == nil
      ? norms(a, rows)
      : (Array(scaleB[diagonal!..<(diagonal! + rows)]), Array(inverseB[diagonal!..<(diagonal! + rows)]))

    // Row by row, layer by layer over the row: ρ in place of the Gram entry, the
    // selected terms t in a row of scratch; each loop is straight-line code over
    // contiguous memory (arccos has no branches), which the compiler vectorises.
    // Rows are independent: blocks of them go to Parallel's workers, each with its own scratch.
    let hidden = hiddenWidths.count
    let cOutput = c[hidden]
    let oneOverPi = 1 / Double.pi, oneOverTwoPi = 1 / (2 * Double.pi)
    let blockRows = 16
    let workers = Parallel.threads
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: workers * columns)
    defer { scratch.deallocate() }
    scaleB.withUnsafeBufferPointer { scaleB in
      inverseB.withUnsafeBufferPointer { inverseB in
        try! Parallel.forEach((rows + blockRows - 1) / blockRows, workers: workers) { block, worker in
          let t = scratch + worker * columns
          for r in (block * blockRows)..<min(block * blockRows + blockRows, rows) {
            let row = out + r * columns
            let (sa, ia) = (scaleA[r], inverseA[r])
            for j in 0..<columns {
              let rho = row[j] * ia * inverseB[j]
              row[j] = rho > 1 ? 1 : rho < -1 ? -1 : rho
              t[j] = 0
            }
            for l in 0..<hidden {
              let cl = c[l]
              for j in 0..<columns {
                let rho = row[j]
                let theta = Self.arccos(rho)
                let sine = Self.squareRoot((1 - rho) * (1 + rho))
                t[j] = (t[j] + cl * rho) * (0.5 - theta * oneOverTwoPi)
                let next = rho + (sine - theta * rho) * oneOverPi
                row[j] = next > 1 ? 1 : next
              }
            }
            for j in 0..<columns { row[j] = sa * scaleB[j] * (t[j] + cOutput * row[j]) }
            if let diagonal {
              // θ = 0 at every layer: ρ = 1, Σ̇ = 1/2; q_1 = |x|²/d.
              var t = 0.0
              for l in 0..<hidden { t = (t + c[l]) * 0.5 }
              row[r + diagonal] = ia > 0 ? squaredNorm(a + r * d) / Double(d) * (t + cOutput) : 0
            }
          }
        }
      }
    }
  }

  /// arccos x for x in [−1, 1], within about 2 ulps, without branches (so that
  /// loops over it vectorise; glibc's acos does not): the rational approximation
  /// R(z) of (asin √z − √z)/√z of fdlibm's acos (musl, FreeBSD), with
  /// arccos x = π/2 − (x + x R(x²)) for |x| < 1/2, 2(s + s R(z)) for x ≥ 1/2 and
  /// π − 2(s + s R(z)) for x ≤ −1/2, where z = (1 − |x|)/2 and s = √z.
  /// Exact at the ends: arccos 1 = 0, arccos −1 = π.
  @inlinable @inline(__always)
  public static func arccos(_ x: Double) -> Double {
    let pio2Hi = 1.57079632679489655800e+00, pio2Lo = 6.12323399573676603587e-17
    let ax = x < 0 ? -x : x
    let small = ax < 0.5
    let z = small ? x * x : (1 - ax) * 0.5
    let s = small ? ax : squareRoot(z)
    let p =
      z
      * (1.66666666666666657415e-01 + z
        * (-3.25565818622400915405e-01 + z
          * (2.01212532134862925881e-01
            + z * (-4.00555345006794114027e-02 + z * (7.91534994289814532176e-04 + z * 3.47933107596021167570e-05)))))
    let q =
      1 + z
      * (-2.40339491173441421878e+00 + z
        * (2.02094576023350569471e+00
          + z * (-6.88283971605453293030e-01 + z * 7.70381505559019352791e-02)))
    let w = s * (p / q)  // |x|·R(x²) or s·R(z)
    let central = pio2Hi - (x - (pio2Lo - (x < 0 ? -w : w)))
    let right = 2 * (s + w)
    let left = 2 * (pio2Hi - (s + (w - pio2Lo)))
    return small ? central : x > 0 ? right : left
  }

  /// √x by the processor's instruction. Swift's squareRoot() calls libm's sqrt
  /// on Linux (which may set errno), and a loop with a call does not vectorise.
  @inlinable @inline(__always)
  public static func squareRoot(_ x: Double) -> Double {
    #if arch(x86_64)
      _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(x)))
    #else
      x.squareRoot()
    #endif
  }
}
