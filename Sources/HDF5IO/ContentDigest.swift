import CHDF5
import ContentDigest

/// The content digest of a file written through HDF5File, computed from what
/// is written, as it is written:
///
///     XXH3-128 of the lines "<dataset path> (<shape>) <XXH3-128 of its elements>\n",
///     sorted by path; elements as little-endian float64 or int64 in row-major
///     order, strings as UTF-8 each followed by a NUL byte; digests in hexadecimal.
///
/// It depends on the data only (not on attributes, times or layout), so the
/// same results give the same digest, and anyone can recompute it with h5py
/// and Python's xxhash. XXH3 runs at memory speed, where SHA-256 would cost a
/// third of the features stage.
final class DigestRecorder {
  private var hashers: [String: (shape: [Int], hasher: XXH3, rows: Int)] = [:]
  private(set) var outOfOrder: [String] = []

  func start(_ name: String, shape: [Int]) { hashers[name] = (shape, XXH3(), 0) }

  /// Adds `bytes`, the rows `start ..< start + rows` of dataset `name`; rows
  /// must arrive in order for the digest to be defined.
  func add(_ name: String, rows: Range<Int>, bytes: UnsafeRawBufferPointer) {
    guard let entry = hashers[name] else { return }
    guard rows.lowerBound == entry.rows else {
      outOfOrder.append(name)
      return
    }
    entry.hasher.update(bytes)
    hashers[name]!.rows = rows.upperBound
  }

  func add(_ name: String, strings: [String]) {
    guard let entry = hashers[name] else { return }
    for string in strings { entry.hasher.update(string + "\0") }
  }

  /// Each dataset's digest and the file's, or nil when some dataset was
  /// written out of order.
  func finish() -> (datasets: [String: String], file: String)? {
    guard outOfOrder.isEmpty else { return nil }
    let datasets = hashers.mapValues { $0.hasher.finish() }
    let lines = hashers.map { name, entry in
      "\(name) (\(entry.shape.map(String.init).joined(separator: ","))) \(datasets[name]!)\n"
    }
    let file = XXH3()
    for line in lines.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { file.update(line) }
    return (datasets, file.finish())
  }
}

extension HDF5File {
  /// Definition of `content_digest`, written next to it in every artifact.
  public static let contentDigestDefinition =
    "XXH3-128 (xxHash, canonical hex) of the lines '<dataset path> (<shape>) <XXH3-128 of its elements>\\n' "
    + "sorted by path; elements as little-endian float64/int64 in row-major order, strings as UTF-8 each "
    + "followed by NUL; each dataset's own digest is its attribute content_digest"

  /// Writes the digests of what was written: each dataset's as its attribute
  /// `content_digest`, the file's as the root's (with `definition`). Readers
  /// check a dataset's digest whenever they read it whole, in order. The
  /// datasets' digests are written in path order, so that the same results
  /// give the same layout (a seeded fault of Tests/faults hits the same
  /// structure every time). Returns the file's digest (nil for a file opened to read).
  @discardableResult
  public func sealContentDigest(definition: String) throws -> String? {
    guard let (datasets, file) = digests?.finish() else { return nil }
    for (name, digest) in datasets.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
      try setAttribute("content_digest", .string(digest), on: name)
    }
    try setAttributes(["content_digest": .string(file), "content_digest_definition": .string(definition)])
    return file
  }

  /// Checks the names and shapes of the file's datasets against its
  /// `content_digest`, recomputed from them and each dataset's recorded digest
  /// of its elements, without reading any data: a damaged header (an altered
  /// stored shape, a lost dataset) is refused. For a reader that relies on
  /// the shapes of datasets it does not read whole; the elements are checked
  /// whenever a dataset is read whole. Files of other programs (no
  /// `content_digest`) pass.
  public func checkDatasetShapes() throws {
    guard hasAttribute("content_digest") else { return }
    let recorded = try string("content_digest")
    var lines: [String] = []
    for object in try datasetPaths() {
      let dataset = try dataset(object)
      guard let digest = try recordedDigest(of: object) else { continue }
      lines.append("\(object) (\(dataset.shape.map(String.init).joined(separator: ","))) \(digest)\n")
    }
    let file = XXH3()
    for line in lines.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { file.update(line) }
    guard file.finish() == recorded else {
      throw error(nil, "the names or shapes of its datasets do not match its recorded content_digest (damaged file)")
    }
  }

  /// The absolute paths of every dataset in the file, in name order.
  public func datasetPaths() throws -> [String] {
    try reading(.structure) {
      var names: [String] = []
      let status = withUnsafeMutablePointer(to: &names) { pointer in
        H5Lvisit(
          id, H5_INDEX_NAME, H5_ITER_INC,
          { _, name, _, names in
            guard let name, let names else { return -1 }
            names.assumingMemoryBound(to: [String].self).pointee.append("/" + String(cString: name))
            return 0
          }, pointer)
      }
      guard status >= 0 else { throw error(nil, "cannot list its objects (damaged file?)") }
      return names.filter { name in
        var info = H5O_info_t()
        return H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), ntk_h5p_default()) >= 0
          && info.type == H5O_TYPE_DATASET
      }
    }
  }
}
