/// The two sample sets of an experiment.
public enum Split: String, CaseIterable, Sendable {
  case train, test
}

/// Rows per block when streaming samples through memory: about 8 MiB of rows
/// of `rowLength` doubles, at most 8192. Blocks stay below glibc's 32 MiB mmap
/// threshold, so their buffers are reused instead of faulted in afresh.
public func streamingBlockRows(rowLength: Int) -> Int {
  max(1, min(8192, (8 << 20) / max(8 * rowLength, 1)))
}
