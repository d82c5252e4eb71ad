import LegacyRandom
import Testing

/// numpy's legacy generator, against values printed by numpy 2.4.
@Suite struct LegacyRandomTests {
  @Test func firstOutputsAfterSeed124() {
    var generator = LegacyGenerator(seed: 124)
    let outputs = (0..<4).map { _ in generator.nextUInt32() }
    #expect(outputs == [455_545_294, 2_996_933_276, 3_201_775_633, 4_252_590_215])
  }

  @Test func randnMatchesNumpyBitForBit() {
    var generator = LegacyGenerator(seed: 124)
    let x = generator.normals(count: 25 * 100)
    #expect(x[0].bitPattern == (0.2884790609311843).bitPattern)
    #expect(x[1].bitPattern == (-0.46295408222658696).bitPattern)
    #expect(x[2].bitPattern == (-1.338004420633611).bitPattern)
    #expect(x[2499].bitPattern == (1.1072267854312858).bitPattern)
    // numpy's pairwise sum differs from a sequential one only in rounding.
    #expect(abs(x.reduce(0, +) - 58.10346947170712) < 1e-12)
  }

  /// A generator seeded again after an odd number of normals (one kept)
  /// starts numpy's stream of that seed afresh: the kept value is dropped.
  @Test func seedingDropsAKeptNormal() {
    var generator = LegacyGenerator(seed: 7)
    _ = generator.normals(count: 3)
    generator = LegacyGenerator(seed: 124)
    #expect(generator.nextNormal().bitPattern == (0.2884790609311843).bitPattern)
  }

  /// `np.random.RandomState(seed).permutation(n)`, as ntk-import splits data sets.
  @Test func permutationMatchesNumpy() {
    var a = LegacyGenerator(seed: 0)
    #expect(a.permutation(10) == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
    var b = LegacyGenerator(seed: 124)
    #expect(Array(b.permutation(1797).prefix(8)) == [1311, 1697, 861, 309, 1244, 756, 1749, 189])
    var c = LegacyGenerator(seed: 4_294_967_295)
    #expect(c.permutation(3) == [1, 0, 2])
    var d = LegacyGenerator(seed: 1)
    #expect(d.permutation(1) == [0] && d.permutation(0) == [])
  }

  @Test(arguments: [0, 1, 2, 3, 7, 100, 101])
  func skippingIsDrawing(count: Int) {
    // From an even and an odd position (a kept second value of a pair).
    for offset in [0, 1] {
      var drawn = LegacyGenerator(seed: 124)
      var skipped = LegacyGenerator(seed: 124)
      _ = drawn.normals(count: offset)
      _ = skipped.normals(count: offset)
      _ = drawn.normals(count: count)
      skipped.skipNormals(count: count)
      #expect(drawn.normals(count: 5).map(\.bitPattern) == skipped.normals(count: 5).map(\.bitPattern))
    }
  }

  @Test(arguments: [0, 1 << 30])
  func transposedBlocksAreTheDrawsTransposed(memoryLimit: Int) {
    // 7 × 33 (odd: rows start in the middle of a pair), then the stream goes on.
    var plain = LegacyGenerator(seed: 9)
    let x = plain.normals(count: 7 * 33)
    var generator = LegacyGenerator(seed: 9)
    var transposed = TransposedNormals(&generator, rows: 7, columns: 33, memoryLimit: memoryLimit)
    var start = 0
    for count in [1, 10, 22] {
      let block = transposed.next(columns: count)
      for j in 0..<count {
        for i in 0..<7 { #expect(block[j * 7 + i].bitPattern == x[i * 33 + start + j].bitPattern) }
      }
      start += count
    }
    #expect(generator.nextNormal().bitPattern == plain.nextNormal().bitPattern)
  }
}
