import CHDF5
import ContentDigest
import Foundation

/// An open dataset, read or written whole or in blocks of rows (hyperslabs
/// along the first dimension), so that large matrices stream through memory.
public final class HDF5Dataset {
  public let file: HDF5File
  public let name: String
  /// The extent, first dimension first (samples × features for a matrix).
  public let shape: [Int]
  let id: hid_t

  /// The recorded digest of the elements, checked as rows are read in order.
  private var verifier: (expected: String, hasher: XXH3, nextRow: Int)?

  init(file: HDF5File, name: String, id: hid_t, shape: [Int], expectedDigest: String? = nil) {
    self.file = file
    self.name = name
    self.id = id
    self.shape = shape
    self.verifier = expectedDigest.map { ($0, XXH3(), 0) }
  }

  deinit { H5Dclose(id) }

  /// Elements in one row: the product of every dimension but the first.
  public var rowLength: Int { shape.dropFirst().reduce(1, *) }

  /// Writes `values` (rows × rowLength, row-major) at rows `start ..< start + rows`.
  public func writeRows<T: HDF5Element>(_ values: [T], at start: Int) throws {
    let rows = shape.isEmpty ? 1 : values.count / max(rowLength, 1)
    precondition(values.count == rows * rowLength, "\(values.count) values are not whole rows of \(rowLength)")
    try withSelection(rows: start..<(start + rows)) { memory, fileSpace in
      try values.withUnsafeBufferPointer { buffer in
        guard H5Dwrite(id, T.nativeType, memory, fileSpace, ntk_h5p_default(), buffer.baseAddress) >= 0 else {
          throw file.error(name, "cannot write rows \(start)..<\(start + rows) (disk full?)")
        }
        file.digests?.add(name, rows: start..<(start + rows), bytes: UnsafeRawBufferPointer(buffer))
      }
    }
  }

  /// Checks that the stored elements are of `T`'s class and, where `T` fixes
  /// one, of its size (float64 for Double; integers of any size for Int64).
  public func expectElements<T: HDF5Element>(_: T.Type) throws {
    try file.reading(.structure) {
      let type = H5Dget_type(id)
      defer { H5Tclose(type) }
      let typeClass = H5Tget_class(type)
      guard typeClass == T.typeClass else {
        throw file.error(name, "expected \(T.className) data, found \(describe(typeClass))")
      }
      let size = H5Tget_size(type)
      if let expected = T.elementSize, size != expected {
        throw file.error(
          name, "expected \(8 * expected)-bit \(T.className) data, found \(8 * size)-bit \(describe(typeClass))")
      }
    }
  }

  /// The stored element type as h5py names it: `float64`, `int64`, `uint8`, …, or `string`.
  public var elementTypeName: String {
    let type = H5Dget_type(id)
    defer { H5Tclose(type) }
    let bits = 8 * H5Tget_size(type)
    switch H5Tget_class(type) {
    case H5T_FLOAT: return "float\(bits)"
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(bits)"
    case H5T_STRING: return "string"
    case let typeClass: return describe(typeClass)
    }
  }

  /// Reads rows `range` (all of them by default), converting to `T`.
  public func read<T: HDF5Element>(_: T.Type = T.self, rows range: Range<Int>? = nil) throws -> [T] {
    try file.reading(.data) {
      let range = range ?? 0..<(shape.first ?? 1)
      try expectElements(T.self)
      let count = (shape.isEmpty ? 1 : range.count) * rowLength
      // HDF5 fills the whole buffer (numeric element types only), so it starts uninitialised.
      return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        try withSelection(rows: range) { memory, fileSpace in
          guard H5Dread(id, T.nativeType, memory, fileSpace, ntk_h5p_default(), buffer.baseAddress) >= 0 else {
            throw file.error(name, "cannot read rows \(range.lowerBound)..<\(range.upperBound) (damaged file?)")
          }
        }
        initialized = count
        try verify(rows: shape.isEmpty ? 0..<1 : range, UnsafeRawBufferPointer(buffer))
      }
    }
  }

  /// Reads the rows after those read so far (in blocks of 1 MiB, kept nowhere) only
  /// to complete the check against the recorded digest, which covers the whole
  /// dataset: a stage that uses its first rows then refuses it damaged anywhere,
  /// as a stage that reads it whole does. For float64 datasets.
  public func verifyRemainingRows() throws {
    guard let verifier, !shape.isEmpty else { return }
    let blockRows = max(1, (1 << 17) / max(rowLength, 1))
    var start = verifier.nextRow
    while start < shape[0] {
      let end = min(shape[0], start + blockRows)
      _ = try read(Double.self, rows: start..<end)
      start = end
    }
  }

  /// Hashes rows read in order; after the last row, compares with the digest
  /// recorded when the dataset was written.
  private func verify(rows: Range<Int>, _ bytes: UnsafeRawBufferPointer) throws {
    guard let (expected, hasher, nextRow) = verifier, rows.lowerBound == nextRow else { return }
    hasher.update(bytes)
    verifier!.nextRow = rows.upperBound
    if rows.upperBound == (shape.first ?? 1) {
      verifier = nil
      guard hasher.finish() == expected else {
        throw file.error(name, "its data do not match their recorded content_digest (damaged file)")
      }
    }
  }

  /// Runs `body` with a memory space and a file space selecting `rows`.
  private func withSelection(rows: Range<Int>, _ body: (hid_t, hid_t) throws -> Void) throws {
    if shape.isEmpty { return try body(ntk_h5s_all(), ntk_h5s_all()) }
    guard rows.lowerBound >= 0, rows.upperBound <= shape[0] else {
      throw file.error(name, "rows \(rows.lowerBound)..<\(rows.upperBound) are outside its \(shape[0]) rows")
    }
    var start = [hsize_t](repeating: 0, count: shape.count)
    start[0] = hsize_t(rows.lowerBound)
    var count = shape.map { hsize_t($0) }
    count[0] = hsize_t(rows.count)
    let fileSpace = H5Dget_space(id)
    defer { H5Sclose(fileSpace) }
    H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil)
    let memory = H5Screate_simple(Int32(count.count), count, nil)
    defer { H5Sclose(memory) }
    try body(memory, fileSpace)
  }
}

extension HDF5File {
  /// Creates a dataset of `T` with `shape`; matrices are chunked by blocks of
  /// rows of about 1 MiB so that row blocks stream efficiently.
  public func createDataset<T: HDF5Element>(_ object: String, of _: T.Type, shape: [Int]) throws -> HDF5Dataset {
    let dims = shape.map { hsize_t($0) }
    let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
    defer { H5Sclose(space) }
    let dcpl = H5Pcreate(ntk_h5p_dataset_create())
    defer { H5Pclose(dcpl) }
    let rowBytes = shape.dropFirst().reduce(8, *)
    if shape.count >= 2, shape.allSatisfy({ $0 > 0 }), shape[0] * rowBytes > 1 << 20 {
      var chunk = dims
      chunk[0] = hsize_t(max(1, min(shape[0], (1 << 20) / max(rowBytes, 1))))
      H5Pset_chunk(dcpl, Int32(chunk.count), chunk)
    }
    let dataset = withIntermediateGroups {
      H5Dcreate2(id, object, T.nativeType, space, $0, dcpl, ntk_h5p_default())
    }
    guard dataset >= 0 else { throw error(object, "cannot create the dataset") }
    digests?.start(object, shape: shape)
    return HDF5Dataset(file: self, name: object, id: dataset, shape: shape)
  }

  /// Writes a whole dataset at once.
  @discardableResult
  public func write<T: HDF5Element>(_ values: [T], shape: [Int], to object: String) throws -> HDF5Dataset {
    precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
    let dataset = try createDataset(object, of: T.self, shape: shape)
    try dataset.writeRows(values, at: 0)
    return dataset
  }

  /// Opens a dataset, checking its rank when `rank` is given.
  public func dataset(_ object: String, rank: Int? = nil) throws -> HDF5Dataset {
    try reading(.structure) {
      guard exists(object) else { throw error(object, "missing") }
      var info = H5O_info_t()
      guard H5Oget_info_by_name2(id, object, &info, UInt32(H5O_INFO_BASIC), ntk_h5p_default()) >= 0,
        info.type == H5O_TYPE_DATASET
      else { throw error(object, "is not a dataset") }
      let dataset = H5Dopen2(id, object, ntk_h5p_default())
      guard dataset >= 0 else { throw error(object, "cannot be opened (damaged file?)") }
      let space = H5Dget_space(dataset)
      defer { H5Sclose(space) }
      let ndims = Int(H5Sget_simple_extent_ndims(space))
      guard ndims >= 0 else {
        H5Dclose(dataset)
        throw error(object, "has an unreadable shape (damaged file?)")
      }
      var dims = [hsize_t](repeating: 0, count: ndims)
      H5Sget_simple_extent_dims(space, &dims, nil)
      let shape = dims.map { Int($0) }
      // A damaged header can claim more elements than the file stores: refuse
      // before anything allocates for them (our data are stored uncompressed).
      let claimed = shape.reduce(8) { $0.multipliedReportingOverflow(by: max($1, 1)).partialValue }
      let stored = Int(H5Dget_storage_size(dataset))
      if claimed > Int(ProcessInfo.processInfo.physicalMemory) || (stored > 0 && claimed > 64 * stored + (1 << 20)) {
        H5Dclose(dataset)
        throw error(object, "claims shape \(shape) but stores \(stored) bytes (damaged file?)")
      }
      let result = HDF5Dataset(
        file: self, name: object, id: dataset, shape: shape, expectedDigest: try recordedDigest(of: object))
      if let rank, rank != ndims {
        throw error(object, "expected \(rank) dimension\(rank == 1 ? "" : "s"), found \(ndims) (shape \(result.shape))")
      }
      return result
    }
  }

  /// The digest recorded for a dataset's elements; nil for files of other
  /// programs. A file with a content digest has one for every dataset.
  func recordedDigest(of object: String) throws -> String? {
    if H5Aexists_by_name(id, object, "content_digest", ntk_h5p_default()) > 0 {
      return try string("content_digest", of: object)
    }
    if H5Aexists_by_name(id, "/", "content_digest", ntk_h5p_default()) > 0 {
      throw error(object, "has no content_digest although the file has one (damaged file?)")
    }
    return nil
  }

  /// Reads a whole dataset and its shape.
  public func read<T: HDF5Element>(
    _ object: String, as _: T.Type = T.self, rank: Int? = nil
  ) throws
    -> (values: [T], shape: [Int])
  {
    let dataset = try dataset(object, rank: rank)
    return (try dataset.read(T.self), dataset.shape)
  }

  /// Writes a one-dimensional dataset of variable-length UTF-8 strings.
  public func write(_ strings: [String], to object: String) throws {
    var dims = [hsize_t(strings.count)]
    let space = H5Screate_simple(1, &dims, nil)
    defer { H5Sclose(space) }
    let type = makeStringType()
    defer { H5Tclose(type) }
    let dataset = withIntermediateGroups {
      H5Dcreate2(id, object, type, space, $0, ntk_h5p_default(), ntk_h5p_default())
    }
    guard dataset >= 0 else { throw error(object, "cannot create the dataset") }
    defer { H5Dclose(dataset) }
    let status = withCStrings(strings) { H5Dwrite(dataset, type, ntk_h5s_all(), ntk_h5s_all(), ntk_h5p_default(), $0) }
    guard status >= 0 else { throw error(object, "cannot write the strings") }
    digests?.start(object, shape: [strings.count])
    digests?.add(object, strings: strings)
  }

  /// Reads a one-dimensional dataset of strings.
  public func readStrings(_ object: String) throws -> [String] {
    try reading(.data) {
      let dataset = try dataset(object, rank: 1)
      let fileType = H5Dget_type(dataset.id)
      defer { H5Tclose(fileType) }
      guard H5Tget_class(fileType) == H5T_STRING, H5Tis_variable_str(fileType) > 0 else {
        throw error(object, "expected variable-length strings")
      }
      let type = makeStringType()
      defer { H5Tclose(type) }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: dataset.shape[0])
      guard H5Dread(dataset.id, type, ntk_h5s_all(), ntk_h5s_all(), ntk_h5p_default(), &pointers) >= 0 else {
        throw error(object, "cannot read the strings")
      }
      defer { pointers.forEach { H5free_memory($0) } }
      return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
  }
}

/// Calls `body` with an array of C strings that live for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
  let copies = strings.map { strdup($0) }
  defer { copies.forEach { free($0) } }
  var placeholder: CChar = 0  // any valid address for zero strings
  return copies.withUnsafeBufferPointer { buffer in
    buffer.baseAddress.map { body(UnsafeRawPointer($0)) } ?? body(&placeholder)
  }
}
