/// The Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), seeded the way
/// numpy's legacy `np.random.seed(int)` seeds it (`init_genrand`, not
/// `init_by_array`):
///
///     key[0] = s,  key[i] = 1812433253 · (key[i−1] ⊕ (key[i−1] ≫ 30)) + i  (mod 2³²)
public struct MT19937: Sendable {
  private static let n = 624
  private static let m = 397
  private var key: [UInt32]
  private var position: Int

  public init(seed: UInt32) {
    var key = [UInt32](repeating: 0, count: Self.n)
    key[0] = seed
    for i in 1..<Self.n {
      key[i] = 1_812_433_253 &* (key[i - 1] ^ (key[i - 1] >> 30)) &+ UInt32(i)
    }
    self.key = key
    self.position = Self.n
  }

  /// The next tempered 32-bit output.
  public mutating func next() -> UInt32 {
    if position == Self.n { twist() }
    var y = key[position]
    position += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    y ^= y >> 18
    return y
  }

  private mutating func twist() {
    let upper: UInt32 = 0x8000_0000
    let lower: UInt32 = 0x7FFF_FFFF
    let matrixA: UInt32 = 0x9908_B0DF
    key.withUnsafeMutableBufferPointer { k in
      for i in 0..<Self.n {
        let y = (k[i] & upper) | (k[(i + 1) % Self.n] & lower)
        k[i] = k[(i + Self.m) % Self.n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
      }
    }
    position = 0
  }
}
