import Foundation

/// numpy's legacy global generator (`np.random.seed`, `np.random.randn`),
/// reproduced bit for bit.
///
/// - A double in [0, 1) is (a·2²⁶ + b) / 2⁵³ with a = next ≫ 5, b = next ≫ 6.
/// - A standard normal comes from the polar method: draw x₁, x₂ = 2u − 1 until
///   0 < r² = x₁² + x₂² < 1, set f = √(−2 ln r² / r²), return f·x₂ and keep
///   f·x₁ for the next call. Seeding drops a kept value.
public struct LegacyGenerator: Sendable {
  private var twister: MT19937
  private var keptNormal: Double?

  /// `np.random.seed(seed)` for an integer seed in [0, 2³²).
  public init(seed: UInt32) {
    twister = MT19937(seed: seed)
    keptNormal = nil
  }

  public mutating func nextUInt32() -> UInt32 { twister.next() }

  /// `np.random.random_sample()`: uniform on [0, 1) with 53 random bits.
  public mutating func nextUniform() -> Double {
    let a = Double(twister.next() >> 5)
    let b = Double(twister.next() >> 6)
    return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
  }

  /// `np.random.standard_normal()` of the legacy `RandomState`.
  public mutating func nextNormal() -> Double {
    if let kept = keptNormal {
      keptNormal = nil
      return kept
    }
    var x1: Double
    var x2: Double
    var r2: Double
    repeat {
      x1 = 2.0 * nextUniform() - 1.0
      x2 = 2.0 * nextUniform() - 1.0
      r2 = x1 * x1 + x2 * x2
    } while r2 >= 1.0 || r2 == 0.0
    let f = (-2.0 * log(r2) / r2).squareRoot()
    keptNormal = f * x1
    return f * x2
  }

  /// Advances past `count` standard normals exactly as `count` calls of
  /// `nextNormal()` would, without computing the ones it skips (an accepted
  /// pair needs no logarithm unless its second value is kept for later).
  public mutating func skipNormals(count: Int) {
    var left = count
    if left > 0, keptNormal != nil {
      keptNormal = nil
      left -= 1
    }
    while left >= 2 {
      var r2: Double
      repeat {
        let x1 = 2.0 * nextUniform() - 1.0
        let x2 = 2.0 * nextUniform() - 1.0
        r2 = x1 * x1 + x2 * x2
      } while r2 >= 1.0 || r2 == 0.0
      left -= 2
    }
    if left == 1 { _ = nextNormal() }
  }

  /// `np.random.randn(rows, columns)`, filled row-major.
  public mutating func normals(count: Int) -> [Double] {
    (0..<count).map { _ in nextNormal() }
  }
}
