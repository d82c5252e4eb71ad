extension LegacyGenerator {
  /// `RandomState.permutation(n)` of numpy's legacy generator, bit for bit:
  /// `arange(n)` shuffled by Fisher–Yates from the last element down, each
  /// swap partner `j ≤ i` drawn by rejection — 32-bit draws masked to the
  /// smallest all-ones mask covering i, redrawn while above i.
  public mutating func permutation(_ n: Int) -> [Int] {
    var values = Array(0..<n)
    var i = n - 1
    while i > 0 {
      values.swapAt(i, boundedDraw(upTo: i))
      i -= 1
    }
    return values
  }

  /// numpy's `random_interval(max)` for max < 2³²: uniform on 0 … max.
  private mutating func boundedDraw(upTo max: Int) -> Int {
    precondition(max < 1 << 32, "permutations of more than 2³² elements are not supported")
    var mask = UInt32(max)
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    while true {
      let value = nextUInt32() & mask
      if value <= UInt32(max) { return Int(value) }
    }
  }
}
