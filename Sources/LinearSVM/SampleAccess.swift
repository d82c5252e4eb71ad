import COpenBLAS
import CPrefetch
import NTKMath

/// Per-sample products with tangent features g_i, dense or factored, without
/// forming a factored row: for a factored block θ (out × in) of w,
///
///     ⟨θ, δ_i ⊗ z_i⟩ = δ_iᵀ θ z_i,   θ += a · δ_i z_iᵀ,   ‖δ_i ⊗ z_i‖² = ‖δ_i‖² ‖z_i‖²,
///
/// each O(out·in): the cost of a dense row of the same block. Valid only
/// inside `withSampleAccess`, which pins the feature arrays.
struct SampleAccess {
  struct Block {
    let delta: UnsafePointer<Double>
    let input: UnsafePointer<Double>
    let out: Int
    let inputs: Int
    /// Where the block's θ starts in w.
    let offset: Int
  }

  let dense: UnsafePointer<Double>?
  let blocks: [Block]
  let featureCount: Int

  /// ⟨w, g_i⟩.
  @inline(__always) func dot(_ i: Int, _ w: UnsafePointer<Double>) -> Double {
    if let dense { return cblas_ddot(Int32(featureCount), dense + i * featureCount, 1, w, 1) }
    var total = 0.0
    for block in blocks {
      let delta = block.delta + i * block.out
      let z = block.input + i * block.inputs
      for a in 0..<block.out {
        total += delta[a] * dotProduct(block.inputs, w + block.offset + a * block.inputs, z)
      }
    }
    return total
  }

  /// w += a · g_i.
  @inline(__always) func add(_ a: Double, times i: Int, to w: UnsafeMutablePointer<Double>) {
    if let dense {
      cblas_daxpy(Int32(featureCount), a, dense + i * featureCount, 1, w, 1)
      return
    }
    for block in blocks {
      let delta = block.delta + i * block.out
      let z = block.input + i * block.inputs
      for r in 0..<block.out {
        let scale = a * delta[r]
        let row = w + block.offset + r * block.inputs
        for j in 0..<block.inputs { row[j] += scale * z[j] }
      }
    }
  }

  /// Asks for sample i's first cache lines ahead of its visit.
  @inline(__always) func prefetch(_ i: Int) {
    if let dense {
      ntk_prefetch(dense + i * featureCount)
      return
    }
    for block in blocks {
      ntk_prefetch(block.delta + i * block.out)
      ntk_prefetch(block.input + i * block.inputs)
    }
  }

  /// ‖g_i‖².
  func squaredNorm(_ i: Int) -> Double {
    if let dense {
      let row = dense + i * featureCount
      return cblas_ddot(Int32(featureCount), row, 1, row, 1)
    }
    return blocks.reduce(0) { total, block in
      total + dotProduct(block.out, block.delta + i * block.out, block.delta + i * block.out)
        * dotProduct(block.inputs, block.input + i * block.inputs, block.input + i * block.inputs)
    }
  }
}

/// x·y with four accumulators (a plain loop's single sum cannot be vectorised).
@inline(__always) func dotProduct(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
  var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
  var j = 0
  while j + 4 <= n {
    s0 += x[j] * y[j]
    s1 += x[j + 1] * y[j + 1]
    s2 += x[j + 2] * y[j + 2]
    s3 += x[j + 3] * y[j + 3]
    j += 4
  }
  while j < n {
    s0 += x[j] * y[j]
    j += 1
  }
  return (s0 + s1) + (s2 + s3)
}

extension FeatureRows {
  /// Calls `body` with per-sample access to these rows, their arrays pinned.
  func withSampleAccess<R>(_ body: (SampleAccess) throws -> R) rethrows -> R {
    switch self {
    case .dense(let f):
      return try f.values.withUnsafeBufferPointer {
        try body(SampleAccess(dense: $0.baseAddress, blocks: [], featureCount: f.columns))
      }
    case .factored(let factors):
      let arrays = factors.flatMap { [$0.delta.values, $0.input.values] }
      return try withBaseAddresses(arrays[...], []) { pointers in
        var offset = 0
        let blocks = factors.enumerated().map { k, factor -> SampleAccess.Block in
          defer { offset += factor.featureCount }
          return SampleAccess.Block(
            delta: pointers[2 * k], input: pointers[2 * k + 1], out: factor.delta.columns,
            inputs: factor.input.columns, offset: offset)
        }
        return try body(SampleAccess(dense: nil, blocks: blocks, featureCount: offset))
      }
    }
  }
}

/// Pins each array in turn and calls `body` with their base addresses.
private func withBaseAddresses<R>(
  _ arrays: ArraySlice<[Double]>, _ pinned: [UnsafePointer<Double>], _ body: ([UnsafePointer<Double>]) throws -> R
) rethrows -> R {
  guard let first = arrays.first else { return try body(pinned) }
  return try first.withUnsafeBufferPointer { buffer in
    // An empty array has no base address; nothing reads through it.
    let base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Double>.alignment)!
    return try withBaseAddresses(arrays.dropFirst(), pinned + [base], body)
  }
}
