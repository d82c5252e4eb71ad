import COpenBLAS
import Dispatch
import Foundation

/// A stage's own parallel loops. Work is cut into pieces whose bounds do not
/// depend on the number of threads, each piece is computed the same way
/// whichever worker takes it, and whatever is summed across pieces is summed
/// in piece order: results are bit-identical for any `threads`.
///
/// Inside the loops OpenBLAS runs on one thread (the workers are the
/// parallelism; nested BLAS threads would oversubscribe the cores).
public enum Parallel {
  /// Workers for the loops below: set once, before any work, by the stage's
  /// command line (StageCLI's thread count). One by default.
  nonisolated(unsafe) public static var threads = 1

  /// Calls `body(i, worker)` for every i in 0..<count, on `workers` workers
  /// (numbered 0..<workers, for buffers of their own), each taking the next
  /// index not yet taken (a worker slowed by another process takes fewer).
  /// The first error thrown is rethrown after every worker stopped; later
  /// indices are then skipped.
  public static func forEach(
    _ count: Int, workers: Int = threads, _ body: (_ index: Int, _ worker: Int) throws -> Void
  ) throws {
    guard min(workers, count) > 1 else {
      for i in 0..<count { try body(i, 0) }
      return
    }
    let state = Claims(count: count)
    // The workers run only inside this call: what the caller's closure touches stays its own.
    nonisolated(unsafe) let body = body
    withBLASOnOneThread {
      DispatchQueue.concurrentPerform(iterations: min(workers, count)) { worker in
        while let i = state.next() {
          do { try body(i, worker) } catch { state.fail(error) }
        }
      }
    }
    if let error = state.error { throw error }
  }

  /// Streams `count` pieces in order through three steps: `produce(i)` runs
  /// one piece at a time, in order (reading a file, drawing random numbers);
  /// `work` runs on the workers, side by side; `consume(i, result)` runs one
  /// piece at a time, in order (writing, summing). `produce` and `consume`
  /// never run at the same time (libhdf5 is not thread-safe). While one
  /// worker produces or consumes, the others work: at most `threads` pieces
  /// are in memory at once.
  public static func pipeline<Piece, Result>(
    _ count: Int, produce: (Int) throws -> Piece, work: (Piece) throws -> Result,
    consume: (Int, Result) throws -> Void
  ) throws {
    let workers = min(threads, count)
    guard workers > 1 else {
      for i in 0..<count { try consume(i, try work(try produce(i))) }
      return
    }
    let serial = NSCondition()
    // The workers run only inside this call, and produce and consume one at a time.
    nonisolated(unsafe) let (produce, work, consume) = (produce, work, consume)
    nonisolated(unsafe) var (produced, consumed) = (0, 0)
    nonisolated(unsafe) var firstError: (any Error)?
    withBLASOnOneThread {
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
          serial.lock()
          guard produced < count, firstError == nil else { return serial.unlock() }
          let i = produced
          produced += 1
          var piece: Piece?
          do { piece = try produce(i) } catch { firstError = firstError ?? error }
          serial.unlock()

          var result: Result?
          do { result = try piece.map(work) } catch { serial.withLock { firstError = firstError ?? error } }

          serial.lock()
          while consumed != i { serial.wait() }
          if let result, firstError == nil {
            do { try consume(i, result) } catch { firstError = error }
          }
          consumed += 1
          serial.broadcast()
          serial.unlock()
        }
      }
    }
    if let firstError { throw firstError }
  }

  /// Runs `body` with OpenBLAS on one thread, then restores its thread count.
  private static func withBLASOnOneThread(_ body: () -> Void) {
    let saved = openblas_get_num_threads()
    openblas_set_num_threads(1)
    body()
    openblas_set_num_threads(saved)
  }
}

/// The indices of a parallel loop handed out one by one, and its first error.
private final class Claims: @unchecked Sendable {
  private let lock = NSLock()
  private let count: Int
  private var nextIndex = 0
  private var firstError: (any Error)?

  init(count: Int) { self.count = count }

  var error: (any Error)? { lock.withLock { firstError } }

  func fail(_ error: any Error) {
    lock.withLock { if firstError == nil { firstError = error } }
  }

  /// The next index; nil when every index is taken or an error stopped the loop.
  func next() -> Int? {
    lock.withLock {
      guard nextIndex < count, firstError == nil else { return nil }
      defer { nextIndex += 1 }
      return nextIndex
    }
  }
}
