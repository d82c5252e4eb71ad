import CHDF5

/// A Swift type stored in HDF5 as a native numeric type; reads convert from
/// whatever precision the file holds, within the same class.
public protocol HDF5Element: Sendable {
  static var nativeType: hid_t { get }
  static var typeClass: H5T_class_t { get }
  static var className: String { get }

}

extension Double: HDF5Element {
  public static var nativeType: hid_t { ntk_h5t_native_double() }
  public static var typeClass: H5T_class_t { H5T_FLOAT }
  public static var className: String { "floating-point" }
}

extension Int64: HDF5Element {
  public static var nativeType: hid_t { ntk_h5t_native_int64() }
  public static var typeClass: H5T_class_t { H5T_INTEGER }
  public static var className: String { "integer" }
}

/// Names an HDF5 type class for error messages.
func describe(_ typeClass: H5T_class_t) -> String {
  switch typeClass {
  case H5T_FLOAT: return "floating-point"
  case H5T_INTEGER: return "integer"
  case H5T_STRING: return "string"
  case H5T_COMPOUND: return "compound"
  case H5T_ENUM: return "enum"
  default: return "non-numeric"
  }
}

/// A variable-length UTF-8 string type, owned by the caller.
func makeStringType() -> hid_t {
  let type = H5Tcopy(ntk_h5t_c_s1())
  H5Tset_size(type, ntk_h5t_variable())
  H5Tset_cset(type, H5T_CSET_UTF8)
  return type
}
