import Foundation
import LegacyRandom
import NTKMath
import StageCLI
import Testing

/// The stages' thread count (StageCLI's ThreadCount) and their parallel loops (NTKMath's Parallel).
@Suite(.serialized) struct ParallelTests {
  static func threads(_ environment: [String: String], option: Int? = nil, processors: Int = 8) throws -> Int {
    try ThreadCount(option: option, environment: environment, processors: processors).count
  }

  @Test func threadCountFollowsMakeSlurmAndTheOption() throws {
    // Alone (by hand, or under a serial make): every processor.
    #expect(try Self.threads([:]) == 8)
    #expect(try Self.threads(["MAKEFLAGS": "s"]) == 8)
    #expect(try Self.threads(["MAKEFLAGS": " -j1"]) == 8)
    // make -j N shares the processors among N jobs; -j alone, no limit: one thread.
    #expect(try Self.threads(["MAKEFLAGS": "s -j2 --jobserver-auth=3,4"]) == 4)
    #expect(try Self.threads(["MAKEFLAGS": " -j8 --jobserver-auth=3,4 -- X=1"]) == 1)
    #expect(try Self.threads(["MAKEFLAGS": "k -j16 --jobserver-auth=fifo:/tmp/GMfifo1"]) == 1)
    #expect(try Self.threads(["MAKEFLAGS": "s -j"]) == 1)
    // A variable's value after " -- " is not a flag.
    #expect(try Self.threads(["MAKEFLAGS": "s -- LAUNCH=-j4"]) == 8)
    // Slurm: the CPUs per task (one when not given), shared the same way.
    #expect(try Self.threads(["SLURM_JOB_ID": "7"]) == 1)
    #expect(try Self.threads(["SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "4"]) == 4)
    #expect(try Self.threads(["SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "4", "MAKEFLAGS": " -j2"]) == 2)
    #expect(try Self.threads(["SLURM_JOB_ID": "7", "SLURM_CPUS_PER_TASK": "64"]) == 8)
    // The stage's option, then NTK_THREADS, win over all of it; OPENBLAS_NUM_THREADS is OpenBLAS's alone.
    #expect(try Self.threads(["MAKEFLAGS": " -j8", "NTK_THREADS": "3"]) == 3)
    #expect(try Self.threads(["NTK_THREADS": "3"], option: 2) == 2)
    #expect(try Self.threads(["OPENBLAS_NUM_THREADS": "1"]) == 8)
    #expect(throws: (any Error).self) { try Self.threads(["NTK_THREADS": "0"]) }
    #expect(throws: (any Error).self) { try Self.threads(["NTK_THREADS": "two"]) }
  }

  /// A loop's results with `threads` workers.
  static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
    let saved = Parallel.threads
    Parallel.threads = threads
    defer { Parallel.threads = saved }
    return try body()
  }

  @Test func forEachVisitsEveryIndexOnceAndStopsAtAnError() throws {
    for threads in [1, 2, 5] {
      let visits = Self.withThreads(threads) {
        let lock = NSLock()
        var visits = [Int](repeating: 0, count: 100)
        try! Parallel.forEach(100) { i, worker in
          #expect(worker < threads)
          lock.withLock { visits[i] += 1 }
        }
        return visits
      }
      #expect(visits == [Int](repeating: 1, count: 100))
      struct Stop: Error {}
      #expect(throws: Stop.self) {
        try Self.withThreads(threads) { try Parallel.forEach(100) { i, _ in if i == 40 { throw Stop() } } }
      }
    }
  }

  @Test func pipelineProducesAndConsumesInOrder() throws {
    var generator = LegacyGenerator(seed: 3)
    let data = generator.normals(count: 1000)
    func run(_ threads: Int) throws -> (sum: Double, order: [Int]) {
      try Self.withThreads(threads) {
        var produced: [Int] = []
        var order: [Int] = []
        var sum = 0.0
        try Parallel.pipeline(
          100,
          produce: { i -> ArraySlice<Double> in
            produced.append(i)
            return data[(i * 10)..<(i * 10 + 10)]
          },
          work: { block in block.reduce(0) { $0 + $1 * $1 } },
          consume: { i, partial in
            order.append(i)
            sum += partial
          })
        #expect(produced == Array(0..<100))
        return (sum, order)
      }
    }
    let one = try run(1)
    #expect(one.order == Array(0..<100))
    for threads in [2, 3, 8] {
      let many = try run(threads)
      #expect(many.order == one.order)
      // Summed in piece order: the same bits.
      #expect(many.sum.bitPattern == one.sum.bitPattern)
    }
    struct Stop: Error {}
    for threads in [1, 2] {
      var consumed: [Int] = []
      #expect(throws: Stop.self) {
        try Self.withThreads(threads) {
          try Parallel.pipeline(
            50, produce: { $0 }, work: { i -> Int in
              if i == 20 { throw Stop() }
              return i
            }, consume: { i, _ in consumed.append(i) })
        }
      }
      // In order, and nothing from the failed piece on (a piece waiting for its turn may be dropped too).
      #expect(consumed == Array(0..<consumed.count) && consumed.count <= 20)
      if threads == 1 { #expect(consumed.count == 20) }
    }
  }
}
