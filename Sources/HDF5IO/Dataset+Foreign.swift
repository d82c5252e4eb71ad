import CHDF5

// Reading datasets written by other programs (imported data sets): numbers of
// any integer or floating-point type, and labels that may be strings.

extension HDF5Dataset {
  /// True when the elements are strings (fixed or variable length).
  public var holdsStrings: Bool { elementClass == H5T_STRING }

  /// The element class in words, for error messages ("integer", "string", …).
  public var elementClassName: String { describe(elementClass) }

  private var elementClass: H5T_class_t {
    file.reading(.structure) {
      let type = H5Dget_type(id)
      defer { H5Tclose(type) }
      return H5Tget_class(type)
    }
  }

  /// Reads every element as float64, from integers or floating-point numbers
  /// of any precision; anything else (strings, enums such as h5py's booleans,
  /// compounds) is refused.
  public func readNumbers() throws -> [Double] {
    try file.reading(.data) {
      let typeClass = elementClass
      guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
        throw file.error(name, "expected numbers (integer or floating-point), found \(describe(typeClass)) data")
      }
      let count = shape.reduce(1, *)
      return try [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
        guard
          H5Dread(id, ntk_h5t_native_double(), ntk_h5s_all(), ntk_h5s_all(), ntk_h5p_default(), buffer.baseAddress)
            >= 0
        else { throw file.error(name, "cannot read the data (damaged file?)") }
        initialized = count
      }
    }
  }

  /// Reads a one-dimensional dataset of strings, variable or fixed length
  /// (as h5py writes Python and NumPy strings); trailing NULs are dropped.
  public func readAnyStrings() throws -> [String] {
    try file.reading(.data) {
      let fileType = H5Dget_type(id)
      defer { H5Tclose(fileType) }
      guard H5Tget_class(fileType) == H5T_STRING, shape.count == 1 else {
        throw file.error(name, "expected a one-dimensional dataset of strings")
      }
      if H5Tis_variable_str(fileType) > 0 { return try file.readStrings(name) }
      let size = H5Tget_size(fileType)
      let memoryType = H5Tcopy(fileType)
      defer { H5Tclose(memoryType) }
      var bytes = [UInt8](repeating: 0, count: size * shape[0])
      guard H5Dread(id, memoryType, ntk_h5s_all(), ntk_h5s_all(), ntk_h5p_default(), &bytes) >= 0 else {
        throw file.error(name, "cannot read the strings (damaged file?)")
      }
      return (0..<shape[0]).map { row in
        let field = bytes[(row * size)..<((row + 1) * size)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
  }
}
