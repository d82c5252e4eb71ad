import CLibSVM

/// libsvm's problem nodes in one allocation of known capacity, written in
/// place (a precomputed kernel of n samples takes n² nodes, 16 bytes each).
final class NodeBuffer {
  let base: UnsafeMutablePointer<svm_node>
  let capacity: Int
  private(set) var count = 0

  init(capacity: Int) {
    base = UnsafeMutablePointer<svm_node>.allocate(capacity: max(capacity, 1))
    self.capacity = capacity
  }

  deinit { base.deallocate() }

  @inline(__always) func append(_ node: svm_node) {
    precondition(count < capacity, "libsvm node buffer overflow")
    base[count] = node
    count += 1
  }
}
