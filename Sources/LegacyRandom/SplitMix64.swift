/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): state += 0x9e3779b97f4a7c15, then
///
///     z = (z ⊕ (z ≫ 30))·0xbf58476d1ce4e5b9,  z = (z ⊕ (z ≫ 27))·0x94d049bb133111eb,  z ⊕ (z ≫ 31).
///
/// Small and deterministic, for what needs a fixed pseudo-random order or
/// start rather than numpy's stream: the linear solver's coordinate order,
/// Lanczos's start vector.
@frozen public struct SplitMix64: Sendable {
  public var state: UInt64

  @inlinable public init(seed: UInt64) { state = seed }

  /// The next 64-bit output.
  @inlinable public mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
