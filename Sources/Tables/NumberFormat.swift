import Foundation

/// A number as the tables write it: the shortest decimal that reads back as
/// the same double (Python's repr); NaN (not reported) as an empty field.
public func format(_ value: Double) -> String { value.isNaN ? "" : "\(value)" }

/// `x` rounded to `decimals` decimal places (negative: to tens, hundreds, …).
public func rounded(_ x: Double, decimals: Int) -> Double {
  // Dividing an integer by a power of ten rounds once, so 3051 / 1e4 prints as 0.3051.
  decimals >= 0
    ? (x * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
    : (x / pow(10, Double(-decimals))).rounded() * pow(10, Double(-decimals))
}

/// `x` rounded to `significantDigits` significant digits.
public func rounded(_ x: Double, significantDigits: Int) -> Double {
  x == 0 || !x.isFinite ? x : rounded(x, decimals: significantDigits - 1 - Int(floor(log10(abs(x)))))
}
