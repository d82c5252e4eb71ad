import CHDF5

/// A Swift type stored in HDF5 as a native numeric type. Reads take the same
/// class only, and the same size where the type fixes one (`elementSize`):
/// Double reads float64 alone (HDF5 would convert float32 silently); Int64
/// reads integers of any size. Data of other programs: `readNumbers`.
public protocol HDF5Element: Sendable {
  static var nativeType: hid_t { get }
  static var typeClass: H5T_class_t { get }
  static var className: String { get }
  /// The size in bytes every stored element must have; nil: any size of the class.
  static var elementSize: Int? { get }
}

extension Double: HDF5Element {
  public static var nativeType: hid_t { ntk_h5t_native_double() }
  public static var typeClass: H5T_class_t { H5T_FLOAT }
  public static var className: String { "floating-point" }
  /// float64 only: a float32 (or float16) dataset is not what the writer wrote, and would silently lose digits.
  public static var elementSize: Int? { 8 }
}

extension Int64: HDF5Element {
  public static var nativeType: hid_t { ntk_h5t_native_int64() }
  public static var typeClass: H5T_class_t { H5T_INTEGER }
  public static var className: String { "integer" }
  public static var elementSize: Int? { nil }
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
