import CHDF5
import Foundation

/// An open HDF5 file. Handles close when the value goes away; `close()` closes
/// early and reports a failure to flush. Every failure is thrown as an
/// `HDF5Error` naming the file and the object; HDF5's own error printing is off.
public final class HDF5File {
  public let path: String
  let id: hid_t
  private var isOpen = true
  /// Digests of the datasets written, for a file being created.
  let digests: DigestRecorder?

  private init(path: String, id: hid_t, writing: Bool) {
    self.path = path
    self.id = id
    self.digests = writing ? DigestRecorder() : nil
  }

  /// Opens an existing file read-only, with a clear error for a missing,
  /// unreadable or non-HDF5 file.
  public static func open(_ path: String) throws -> HDF5File {
    ntk_h5_silence_errors()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw HDF5Error(file: path, "no such file")
    }
    guard !isDirectory.boolValue else { throw HDF5Error(file: path, "is a directory, not an HDF5 file") }
    guard FileManager.default.isReadableFile(atPath: path) else { throw HDF5Error(file: path, "permission denied") }
    return try reading(path, .structure) {
      guard H5Fis_hdf5(path) > 0 else { throw HDF5Error(file: path, diagnosis("not an HDF5 file (or truncated)")) }
      let id = H5Fopen(path, ntk_h5f_acc_rdonly(), ntk_h5p_default())
      guard id >= 0 else { throw HDF5Error(file: path, diagnosis("cannot be opened as HDF5 (damaged?)")) }
      return HDF5File(path: path, id: id, writing: false)
    }
  }

  /// Creates a new file, failing if one exists at `path`.
  public static func create(_ path: String) throws -> HDF5File {
    ntk_h5_silence_errors()
    let id = H5Fcreate(path, ntk_h5f_acc_excl(), ntk_h5p_default(), ntk_h5p_default())
    guard id >= 0 else { throw HDF5Error(file: path, "cannot create the file (\(String(cString: strerror(errno))))") }
    return HDF5File(path: path, id: id, writing: true)
  }

  /// Flushes and closes the file.
  public func close() throws {
    guard isOpen else { return }
    isOpen = false
    guard H5Fclose(id) >= 0 else { throw HDF5Error(file: path, "cannot write the file to disk (disk full?)") }
  }

  deinit { if isOpen { H5Fclose(id) } }

  /// The error of a failure: `problem`, unless the last libhdf5 call ran out of memory.
  func error(_ object: String?, _ problem: String) -> HDF5Error {
    HDF5Error(file: path, object: object, HDF5File.diagnosis(problem))
  }

  /// `problem`, or what a libhdf5 call that failed for lack of memory is (a dataset
  /// it could not read is not "missing"): to be asked right after the failed call.
  static func diagnosis(_ problem: String) -> String {
    ntk_h5_failed_for_memory() != 0
      ? "libhdf5 ran out of memory reading it (a damaged file, or too little memory for the stage)" : problem
  }

  /// True when `object` (an absolute path such as /features/train) exists.
  public func exists(_ object: String) -> Bool {
    reading(.structure) {
      var prefix = ""
      for part in object.split(separator: "/") {
        prefix += "/" + part
        guard H5Lexists(id, prefix, ntk_h5p_default()) > 0 else { return false }
      }
      return true
    }
  }

  /// A link-creation property list that makes missing intermediate groups.
  func withIntermediateGroups<T>(_ body: (hid_t) throws -> T) rethrows -> T {
    let lcpl = H5Pcreate(ntk_h5p_link_create())
    H5Pset_create_intermediate_group(lcpl, 1)
    defer { H5Pclose(lcpl) }
    return try body(lcpl)
  }

  /// Creates a group (and its parents).
  public func createGroup(_ object: String) throws {
    let group = withIntermediateGroups { H5Gcreate2(id, object, $0, ntk_h5p_default(), ntk_h5p_default()) }
    guard group >= 0 else { throw error(object, "cannot create the group") }
    H5Gclose(group)
  }
}
