import CHDF5

/// The value of an attribute: a number, a string, or a list of either.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
  case double(Double)
  case integer(Int64)
  case string(String)
  case doubles([Double])
  case integers([Int64])
  case strings([String])

  public var description: String {
    switch self {
    case .double(let v): return "\(v)"
    case .integer(let v): return "\(v)"
    case .string(let v): return v
    case .doubles(let v): return "\(v)"
    case .integers(let v): return "\(v)"
    case .strings(let v): return "\(v)"
    }
  }
}

extension HDF5File {
  /// Sets attribute `name` on `object` (a group or dataset; "/" is the file).
  public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on object: String = "/") throws {
    func create(type: hid_t, count: Int?, _ write: (hid_t) -> herr_t) throws {
      var dims = [hsize_t(count ?? 1)]
      let space = count == nil ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
      defer { H5Sclose(space) }
      if H5Aexists_by_name(id, object, name, ntk_h5p_default()) > 0 {
        H5Adelete_by_name(id, object, name, ntk_h5p_default())
      }
      let attribute = H5Acreate_by_name(
        id, object, name, type, space, ntk_h5p_default(), ntk_h5p_default(), ntk_h5p_default())
      guard attribute >= 0 else { throw error(object, "cannot create attribute '\(name)'") }
      defer { H5Aclose(attribute) }
      guard write(attribute) >= 0 else { throw error(object, "cannot write attribute '\(name)'") }
    }
    switch value {
    case .double(let v):
      try create(type: Double.nativeType, count: nil) { a in
        withUnsafePointer(to: v) { H5Awrite(a, Double.nativeType, $0) }
      }
    case .integer(let v):
      try create(type: Int64.nativeType, count: nil) { a in
        withUnsafePointer(to: v) { H5Awrite(a, Int64.nativeType, $0) }
      }
    case .doubles(let v): try create(type: Double.nativeType, count: v.count) { a in H5Awrite(a, Double.nativeType, v) }
    case .integers(let v): try create(type: Int64.nativeType, count: v.count) { a in H5Awrite(a, Int64.nativeType, v) }
    case .string(let v):
      let type = makeStringType()
      defer { H5Tclose(type) }
      try create(type: type, count: nil) { a in withCStrings([v]) { H5Awrite(a, type, $0) } }
    case .strings(let v):
      let type = makeStringType()
      defer { H5Tclose(type) }
      try create(type: type, count: v.count) { a in withCStrings(v) { H5Awrite(a, type, $0) } }
    }
  }

  /// Sets several attributes on one object.
  public func setAttributes(_ attributes: KeyValuePairs<String, HDF5AttributeValue>, on object: String = "/") throws {
    for (name, value) in attributes { try setAttribute(name, value, on: object) }
  }

  /// True when `object` (the root group by default) has attribute `name`.
  public func hasAttribute(_ name: String, of object: String = "/") -> Bool {
    reading(.structure) {
      (exists(object) || object == "/") && H5Aexists_by_name(id, object, name, ntk_h5p_default()) > 0
    }
  }

  /// Reads attribute `name` of `object`; numbers come back as numbers, strings as strings.
  public func attribute(_ name: String, of object: String = "/") throws -> HDF5AttributeValue {
    try reading(.structure) {
      guard exists(object) || object == "/" else { throw error(object, "missing") }
      guard H5Aexists_by_name(id, object, name, ntk_h5p_default()) > 0 else {
        throw error(object, "attribute '\(name)' is missing")
      }
      let attribute = H5Aopen_by_name(id, object, name, ntk_h5p_default(), ntk_h5p_default())
      guard attribute >= 0 else { throw error(object, "cannot open attribute '\(name)'") }
      defer { H5Aclose(attribute) }
      let space = H5Aget_space(attribute)
      defer { H5Sclose(space) }
      let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
      let count = Int(H5Sget_simple_extent_npoints(space))
      let fileType = H5Aget_type(attribute)
      defer { H5Tclose(fileType) }
      func failure() -> HDF5Error { error(object, "cannot read attribute '\(name)'") }
      switch H5Tget_class(fileType) {
      case H5T_FLOAT:
        var values = [Double](repeating: 0, count: count)
        guard H5Aread(attribute, Double.nativeType, &values) >= 0 else { throw failure() }
        return isScalar ? .double(values[0]) : .doubles(values)
      case H5T_INTEGER:
        var values = [Int64](repeating: 0, count: count)
        guard H5Aread(attribute, Int64.nativeType, &values) >= 0 else { throw failure() }
        return isScalar ? .integer(values[0]) : .integers(values)
      case H5T_STRING where H5Tis_variable_str(fileType) > 0:
        let type = makeStringType()
        defer { H5Tclose(type) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        guard H5Aread(attribute, type, &pointers) >= 0 else { throw failure() }
        defer { pointers.forEach { H5free_memory($0) } }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        return isScalar ? .string(strings[0]) : .strings(strings)
      default:
        throw error(object, "attribute '\(name)' has an unsupported type")
      }
    }
  }

  /// Reads a numeric attribute as a Double.
  public func number(_ name: String, of object: String = "/") throws -> Double {
    switch try attribute(name, of: object) {
    case .double(let v): return v
    case .integer(let v): return Double(v)
    default: throw error(object, "attribute '\(name)' is not a number")
    }
  }

  /// Reads a string attribute.
  public func string(_ name: String, of object: String = "/") throws -> String {
    guard case .string(let v) = try attribute(name, of: object) else {
      throw error(object, "attribute '\(name)' is not a string")
    }
    return v
  }

  /// Reads an integer attribute (a list of one integer counts as one).
  public func integer(_ name: String, of object: String = "/") throws -> Int {
    let values = try integers(name, of: object)
    guard values.count == 1 else { throw error(object, "attribute '\(name)' is not one integer") }
    return values[0]
  }

  /// Reads an attribute holding a list of integers (a scalar counts as a list of one).
  public func integers(_ name: String, of object: String = "/") throws -> [Int] {
    switch try attribute(name, of: object) {
    case .integer(let v): return [Int(v)]
    case .integers(let v): return v.map { Int($0) }
    default: throw error(object, "attribute '\(name)' is not a list of integers")
    }
  }
}
